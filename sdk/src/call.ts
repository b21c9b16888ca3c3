// One call as this connection takes part in it: its state from the server's `call_state` frames, and
// (in a browser) one RTCPeerConnection per other connection of the mesh, negotiated over `call_signal`
// with the "perfect negotiation" pattern so that renegotiation (camera, screen share) never deadlocks.
// Without WebRTC (Node) it is signalling only: ringing, state and hanging up work; no media flows.
import { Emitter, type Listener } from './emitter.js';
import { MediaPermissionError, NoMediaDeviceError, ParleyError } from './errors.js';
import { CallEndReason, Op } from './protocol/codes.js';
import type { CallPeer, CallStateFrame, ClientFrame, IceServer, ResultData, SignalFrame } from './protocol/frames.js';

/**
 * A WebRTC class's instance type where the project has the DOM library, `unknown` where it has not:
 * the public types below name them through `globalThis`, so a bot's Node project (no DOM types)
 * still type-checks against this package.
 */
type DomInstance<K extends string> = typeof globalThis extends { [P in K]: { prototype: infer T } } ? T : unknown;
/** `MediaStream` in a browser project. */
export type CallMediaStream = DomInstance<'MediaStream'>;
/** `MediaStreamTrack` in a browser project. */
export type CallMediaTrack = DomInstance<'MediaStreamTrack'>;
/** `RTCPeerConnection` in a browser project. */
export type CallPeerConnection = DomInstance<'RTCPeerConnection'>;

/** What the call needs from the client: joining and leaving, fire-and-forget frames, and this connection's id. */
export interface CallLink {
  join(call: string): Promise<ResultData[typeof Op.CallJoin]>;
  leave(call: string): Promise<unknown>;
  notify(frame: ClientFrame): void;
  session(): string | undefined;
}

/** Where the call is, as this connection sees it. */
export type CallPhase = 'ringing' | 'connecting' | 'connected' | 'reconnecting' | 'ended';

/** Connection quality from the media statistics: round-trip time and packet loss. */
export type CallQuality = 'good' | 'fair' | 'poor' | 'unknown';

export interface CallOptions {
  /** Send the microphone. Default true. */
  audio?: boolean;
  /** Send the camera. Default false. */
  video?: boolean;
  /** Use TURN relays only (`iceTransportPolicy: 'relay'`): hides addresses, and tests the relay. Default false. */
  relayOnly?: boolean;
  /** Microphone and camera to use (`MediaDeviceInfo.deviceId`); default: the system's. */
  audioDevice?: string;
  videoDevice?: string;
}

export interface CallEvents {
  /** The phase changed. */
  phase: { oldPhase: CallPhase; newPhase: CallPhase };
  /** Who is in the call (and their microphone, camera, screen) changed. */
  peers: { peers: CallPeer[] };
  /** Media of another connection arrived: attach `stream` to a `<video>` or `<audio>`. */
  track: { peer: CallPeer; stream: CallMediaStream; track: CallMediaTrack };
  /** Every media connection is up. */
  connected: Record<string, never>;
  quality: { quality: CallQuality };
  /** The call is over for this connection; `reason` is a `CallEndReason` or `moved` (answered on another device). */
  ended: { reason: string };
  /** A media or signalling failure that did not end the call. */
  error: { error: ParleyError };
}

/** A peer connection to one other connection in the call, with the perfect-negotiation flags. */
interface Link {
  pc: RTCPeerConnection;
  polite: boolean;
  makingOffer: boolean;
  ignoreOffer: boolean;
  stream: MediaStream;
  /** Candidates that arrived before the remote description. */
  early: RTCIceCandidateInit[];
  /** Sends the microphone; its track is taken off (null) while muted, so that nothing at all is sent. */
  audio?: RTCRtpSender;
}

const QUALITY_EVERY_MS = 2000;

export class Call {
  readonly id: string;
  readonly room: string;
  /** Who placed the call. */
  readonly by: string;
  readonly video: boolean;
  private readonly emitter = new Emitter<CallEvents>();
  private current: CallPhase;
  private state: CallStateFrame | Omit<CallStateFrame, 't'>;
  private ice: IceServer[];
  private readonly links = new Map<string, Link>();
  private local: MediaStream | undefined;
  private screen: MediaStream | undefined;
  private mediaState = { audio: true, video: false, screen: false };
  private qualityTimer: ReturnType<typeof setInterval> | undefined;
  private lastQuality: CallQuality = 'unknown';
  private reason: string | undefined;
  /** Bytes received so far by media connection, read by `stats()` for the quality estimate. */
  private readonly hasWebRtc = typeof RTCPeerConnection !== 'undefined';

  constructor(
    private readonly link: CallLink,
    joined: ResultData[typeof Op.CallStart],
    local: CallMediaStream | undefined,
    private readonly options: CallOptions,
  ) {
    this.id = joined.call;
    this.room = joined.room;
    this.by = joined.by;
    this.video = joined.video;
    this.state = joined;
    this.ice = joined.ice;
    this.local = local;
    this.mediaState = { audio: options.audio !== false && !!local?.getAudioTracks().length, video: !!local?.getVideoTracks().length, screen: false };
    this.current = joined.state === 'ringing' ? 'ringing' : 'connecting';
    if (local) this.announceMedia();
    // Once the caller holds the Call and listens to it (the call may have ended already: declined at once).
    setTimeout(() => this.sync(), 0);
  }

  /** Listens to `name` events; returns the function that stops listening. */
  on<K extends keyof CallEvents>(name: K, listener: Listener<CallEvents[K]>): () => void {
    return this.emitter.on(name, listener);
  }

  get phase(): CallPhase {
    return this.current;
  }

  /** Why the call ended here (a `CallEndReason`, or `moved`); undefined while it goes on. */
  get endReason(): string | undefined {
    return this.reason;
  }

  /** Everyone in the call, this connection included. */
  get peers(): CallPeer[] {
    return this.state.peers;
  }

  /** Users whose devices still ring. */
  get ringing(): string[] {
    return this.state.ringing;
  }

  /** What this connection sends. */
  get media(): { audio: boolean; video: boolean; screen: boolean } {
    return { ...this.mediaState };
  }

  /** The microphone and camera stream this connection sends (for a self view); undefined without media. */
  get localStream(): CallMediaStream | undefined {
    return this.local;
  }

  /** The media connection to another connection of the call (its `session`), for `getStats()`. */
  peerConnection(session: string): CallPeerConnection | undefined {
    return this.links.get(session)?.pc;
  }

  /** Turns the microphone off (muted: no audio packets leave at all) or on; the others see it. */
  async setMuted(muted: boolean): Promise<void> {
    const track = this.local?.getAudioTracks()[0];
    if (track) track.enabled = !muted;
    this.mediaState.audio = !muted && !!track;
    await Promise.all([...this.links.values()].map((link) => link.audio?.replaceTrack(muted ? null : (track ?? null))));
    this.announceMedia();
  }

  /** Turns the camera off or on (asking for it the first time it is turned on in an audio call). */
  async setCamera(on: boolean): Promise<void> {
    const tracks = this.local?.getVideoTracks() ?? [];
    if (on && tracks.length === 0) {
      const stream = await getMedia({ video: this.options.videoDevice ? { deviceId: { exact: this.options.videoDevice } } : true });
      const track = stream.getVideoTracks()[0]!;
      (this.local ??= new MediaStream()).addTrack(track);
      for (const link of this.links.values()) link.pc.addTrack(track, this.local);
    } else {
      for (const t of tracks) t.enabled = on;
    }
    this.mediaState.video = on;
    this.announceMedia();
  }

  /** Starts or stops sending the screen (instead of the camera while it lasts). */
  async shareScreen(on: boolean): Promise<void> {
    if (on === !!this.screen) return;
    if (on) {
      const stream = await navigator.mediaDevices.getDisplayMedia({ video: true }).catch((err: unknown) => {
        throw mediaError(err);
      });
      this.screen = stream;
      const track = stream.getVideoTracks()[0]!;
      track.addEventListener('ended', () => void this.shareScreen(false));
      for (const link of this.links.values()) link.pc.addTrack(track, stream);
    } else {
      const stream = this.screen!;
      this.screen = undefined;
      for (const link of this.links.values()) {
        for (const sender of link.pc.getSenders()) if (sender.track && stream.getTracks().includes(sender.track)) link.pc.removeTrack(sender);
      }
      for (const t of stream.getTracks()) t.stop();
    }
    this.mediaState.screen = on;
    this.announceMedia();
  }

  /** Switches the microphone or camera to another device without renegotiating. */
  async useDevice(kind: 'audioinput' | 'videoinput', deviceId: string): Promise<void> {
    const audio = kind === 'audioinput';
    const stream = await getMedia(audio ? { audio: { deviceId: { exact: deviceId } } } : { video: { deviceId: { exact: deviceId } } });
    const track = (audio ? stream.getAudioTracks() : stream.getVideoTracks())[0]!;
    const old = (audio ? this.local?.getAudioTracks() : this.local?.getVideoTracks())?.[0];
    if (audio) this.options.audioDevice = deviceId;
    else this.options.videoDevice = deviceId;
    track.enabled = old?.enabled ?? true;
    for (const link of this.links.values()) {
      const sender = audio ? link.audio : link.pc.getSenders().find((s) => s.track === old);
      if (sender) await sender.replaceTrack(audio && !this.mediaState.audio ? null : track);
      else if (this.local) link.pc.addTrack(track, this.local);
    }
    if (old) {
      this.local!.removeTrack(old);
      old.stop();
    }
    (this.local ??= new MediaStream()).addTrack(track);
  }

  /** Hangs up: this connection leaves the call (a caller before anyone answered cancels it). */
  async hangUp(): Promise<void> {
    if (this.current === 'ended') return;
    this.finish(CallEndReason.Hangup);
    await this.link.leave(this.id).catch(() => undefined);
  }

  /** A `call_state` for this call. */
  update(state: CallStateFrame): void {
    if (state.v < this.state.v) return;
    this.state = state;
    this.sync();
  }

  /** A `signal` for this call, from another connection of it. */
  async signal(frame: SignalFrame): Promise<void> {
    if (!this.hasWebRtc || this.current === 'ended') return;
    const link = this.links.get(frame.from) ?? this.connect(frame.from);
    try {
      if (frame.kind === 'candidate') {
        const init: RTCIceCandidateInit = frame.candidate ?? { candidate: '' };
        if (!link.pc.remoteDescription) link.early.push(init);
        else await link.pc.addIceCandidate(init).catch((err: unknown) => { if (!link.ignoreOffer) throw err; });
        return;
      }
      if (frame.kind !== 'offer' && frame.kind !== 'answer') return;
      const offer = frame.kind === 'offer';
      const collision = offer && (link.makingOffer || link.pc.signalingState !== 'stable');
      link.ignoreOffer = !link.polite && collision;
      if (link.ignoreOffer) return;
      await link.pc.setRemoteDescription({ type: frame.kind, sdp: frame.sdp ?? '' });
      for (const c of link.early.splice(0)) await link.pc.addIceCandidate(c).catch(() => undefined);
      if (offer) {
        await link.pc.setLocalDescription();
        this.send(frame.from, 'answer', link.pc.localDescription!.sdp);
      }
    } catch (cause) {
      this.emitter.emit('error', { error: new ParleyError('call_signal_failed', `could not apply a ${frame.kind} from ${frame.user}`, { cause }) });
    }
  }

  /** After the client reconnected: this connection is new to the server, so it joins again and every media connection starts over. */
  async rejoin(): Promise<void> {
    if (this.current === 'ended') return;
    for (const session of [...this.links.keys()]) this.drop(session);
    try {
      const joined = await this.link.join(this.id);
      this.ice = joined.ice;
      this.state = joined;
      this.announceMedia();
      this.sync();
    } catch {
      this.finish(CallEndReason.Lost);
    }
  }

  /** Ends the call here without telling the server (it ended there, or this connection left it). */
  finish(reason: string): void {
    if (this.current === 'ended') return;
    clearInterval(this.qualityTimer);
    for (const session of [...this.links.keys()]) this.drop(session);
    for (const t of [...(this.local?.getTracks() ?? []), ...(this.screen?.getTracks() ?? [])]) t.stop();
    this.reason = reason;
    this.setPhase('ended');
    this.emitter.emit('ended', { reason });
  }

  /** Follows the server's state: links to new peers, drops gone ones, and works out the phase. */
  private sync(): void {
    const me = this.link.session();
    const { state } = this;
    if (state.state === 'ended') return this.finish(state.reason ?? CallEndReason.Hangup);
    const mine = state.peers.findIndex((p) => p.session === me);
    if (mine < 0) {
      // Answered on another device of the same user: the call moved there.
      return this.finish(state.peers.some((p) => p.user === state.by) ? 'moved' : CallEndReason.Hangup);
    }
    for (const session of [...this.links.keys()]) if (!state.peers.some((p) => p.session === session)) this.drop(session);
    // Who was in the call first waits for the newcomer's offer: only one side of each pair starts.
    state.peers.forEach((p, i) => {
      if (i < mine && p.status === 'joined' && this.hasWebRtc && !this.links.has(p.session)) this.connect(p.session);
    });
    this.emitter.emit('peers', { peers: state.peers });
    this.updatePhase();
  }

  private updatePhase(): void {
    if (this.current === 'ended') return;
    const others = this.state.peers.filter((p) => p.session !== this.link.session());
    if (this.state.state === 'ringing' || others.length === 0) return this.setPhase(this.state.state === 'ringing' ? 'ringing' : 'connecting');
    if (others.some((p) => p.status === 'reconnecting')) return this.setPhase('reconnecting');
    if (!this.hasWebRtc) return this.setPhase('connected');
    const up = others.every((p) => {
      const s = this.links.get(p.session)?.pc.connectionState;
      return s === 'connected';
    });
    this.setPhase(up ? 'connected' : 'connecting');
  }

  private setPhase(next: CallPhase): void {
    if (next === this.current) return;
    const oldPhase = this.current;
    this.current = next;
    this.emitter.emit('phase', { oldPhase, newPhase: next });
    if (next === 'connected') {
      this.emitter.emit('connected', {});
      this.qualityTimer ??= setInterval(() => void this.measure(), QUALITY_EVERY_MS);
    }
  }

  /** A media connection to `session`, sending this connection's tracks (which starts the negotiation). */
  private connect(session: string): Link {
    const pc = new RTCPeerConnection({ iceServers: this.ice, ...(this.options.relayOnly ? { iceTransportPolicy: 'relay' as const } : {}) });
    const me = this.link.session() ?? '';
    const link: Link = { pc, polite: me > session, makingOffer: false, ignoreOffer: false, stream: new MediaStream(), early: [] };
    this.links.set(session, link);
    pc.onnegotiationneeded = async () => {
      try {
        link.makingOffer = true;
        await pc.setLocalDescription();
        this.send(session, 'offer', pc.localDescription!.sdp);
      } catch (cause) {
        this.emitter.emit('error', { error: new ParleyError('call_signal_failed', 'could not make an offer', { cause }) });
      } finally {
        link.makingOffer = false;
      }
    };
    pc.onicecandidate = ({ candidate }) => {
      if (candidate) this.link.notify({ t: Op.CallSignal, call: this.id, to: session, kind: 'candidate', candidate: candidateInit(candidate) });
    };
    pc.ontrack = ({ track, streams }) => {
      const peer = this.state.peers.find((p) => p.session === session);
      const stream = streams[0] ?? link.stream;
      if (!streams[0]) link.stream.addTrack(track);
      if (peer) this.emitter.emit('track', { peer, stream, track });
    };
    pc.onconnectionstatechange = () => this.updatePhase();
    for (const track of this.local?.getTracks() ?? []) {
      const sender = pc.addTrack(track, this.local!);
      if (track.kind !== 'audio') continue;
      link.audio = sender;
      if (!this.mediaState.audio) void sender.replaceTrack(null);
    }
    for (const track of this.screen?.getTracks() ?? []) pc.addTrack(track, this.screen!);
    // Nothing to send (listening only): still receive what the others send.
    if (!this.local?.getTracks().length) {
      pc.addTransceiver('audio', { direction: 'recvonly' });
      if (this.video) pc.addTransceiver('video', { direction: 'recvonly' });
    }
    return link;
  }

  private drop(session: string): void {
    const link = this.links.get(session);
    if (!link) return;
    this.links.delete(session);
    link.pc.close();
  }

  private send(to: string, kind: 'offer' | 'answer', sdp: string): void {
    this.link.notify({ t: Op.CallSignal, call: this.id, to, kind, sdp });
  }

  private announceMedia(): void {
    const { audio, video, screen } = this.mediaState;
    this.link.notify({ t: Op.CallMedia, call: this.id, audio, video, screen });
  }

  /** Round-trip time and loss of the active candidate pairs and inbound streams: good, fair or poor. */
  private async measure(): Promise<void> {
    let rtt = 0;
    let lost = 0;
    let received = 0;
    for (const { pc } of this.links.values()) {
      const report = await pc.getStats().catch(() => undefined);
      report?.forEach((s: Record<string, unknown>) => {
        if (s.type === 'candidate-pair' && s.nominated && typeof s.currentRoundTripTime === 'number') rtt = Math.max(rtt, s.currentRoundTripTime);
        if (s.type === 'inbound-rtp') {
          lost += Number(s.packetsLost ?? 0);
          received += Number(s.packetsReceived ?? 0);
        }
      });
    }
    const loss = received + lost > 0 ? lost / (received + lost) : 0;
    const quality: CallQuality = rtt > 0.4 || loss > 0.1 ? 'poor' : rtt > 0.2 || loss > 0.03 ? 'fair' : 'good';
    if (quality === this.lastQuality) return;
    this.lastQuality = quality;
    this.emitter.emit('quality', { quality });
  }
}

/** The candidate as the protocol carries it (`RTCIceCandidate.toJSON()`, without nulls). */
function candidateInit(c: RTCIceCandidate): { candidate: string; sdpMid?: string; sdpMLineIndex?: number; usernameFragment?: string } {
  const out: { candidate: string; sdpMid?: string; sdpMLineIndex?: number; usernameFragment?: string } = { candidate: c.candidate };
  if (c.sdpMid !== null) out.sdpMid = c.sdpMid;
  if (c.sdpMLineIndex !== null) out.sdpMLineIndex = c.sdpMLineIndex;
  if (c.usernameFragment) out.usernameFragment = c.usernameFragment;
  return out;
}

/** The microphone and camera the options ask for; undefined without WebRTC (Node: signalling only). */
export async function localMedia(options: CallOptions): Promise<CallMediaStream | undefined> {
  if (typeof navigator === 'undefined' || !navigator.mediaDevices?.getUserMedia) return undefined;
  const audio = options.audio !== false ? (options.audioDevice ? { deviceId: { exact: options.audioDevice } } : true) : false;
  const video = options.video ? (options.videoDevice ? { deviceId: { exact: options.videoDevice } } : true) : false;
  if (!audio && !video) return undefined;
  return getMedia({ audio, video });
}

async function getMedia(constraints: MediaStreamConstraints): Promise<MediaStream> {
  try {
    return await navigator.mediaDevices.getUserMedia(constraints);
  } catch (err) {
    throw mediaError(err);
  }
}

/** A refused or impossible `getUserMedia` as the SDK's errors: permission denied, or no such device. */
function mediaError(err: unknown): ParleyError {
  const name = (err as { name?: string } | null)?.name;
  if (name === 'NotAllowedError' || name === 'SecurityError') return new MediaPermissionError('the browser was not allowed to use the microphone or camera', { cause: err });
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'NotReadableError') return new NoMediaDeviceError('no microphone or camera could be used', { cause: err });
  return new ParleyError('media_failed', 'the microphone or camera could not be started', { cause: err });
}
