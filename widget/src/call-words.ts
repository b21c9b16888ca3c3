// The call view's words in English and Brazilian Portuguese, loaded with it.
import type { Lang } from './lang.js';

export interface CallWords {
  incoming: (name: string, video: boolean) => string;
  accept: string;
  acceptVideo: string;
  acceptAudio: string;
  decline: string;
  calling: (name: string) => string;
  connecting: string;
  reconnecting: string;
  connected: string;
  callWith: (name: string) => string;
  mute: string;
  camera: string;
  screen: string;
  devices: string;
  microphone: string;
  cameraDevice: string;
  hangUp: string;
  openChat: string;
  you: string;
  muted: (name: string) => string;
  /** The label of a person's shared screen. */
  screenOf: (name: string) => string;
  quality: Record<'good' | 'fair' | 'poor' | 'unknown', string>;
  /** Why a call ended, as a short line. */
  ended: Record<string, string>;
  denied: string;
  noDevice: string;
  failed: (reason: string) => string;
  dismiss: string;
}

const en: CallWords = {
  incoming: (name, video) => `${name} is calling you (${video ? 'video' : 'voice'} call)`,
  accept: 'Answer',
  acceptVideo: 'Answer with video',
  acceptAudio: 'Answer with voice only',
  decline: 'Decline',
  calling: (name) => `Calling ${name}…`,
  connecting: 'Connecting…',
  reconnecting: 'Connection lost, reconnecting…',
  connected: 'Connected',
  callWith: (name) => `Call with ${name}`,
  mute: 'Mute microphone',
  camera: 'Camera',
  screen: 'Share screen',
  devices: 'Microphone and camera',
  microphone: 'Microphone',
  cameraDevice: 'Camera',
  hangUp: 'Hang up',
  openChat: 'Back to the call',
  you: 'You',
  muted: (name) => `${name} is muted`,
  screenOf: (name) => `${name}'s screen`,
  quality: { good: 'Connection: good', fair: 'Connection: fair', poor: 'Connection: poor', unknown: 'Connection: measuring' },
  ended: {
    hangup: 'Call ended',
    cancelled: 'Call cancelled',
    declined: 'Call declined',
    busy: 'Busy: they are in another call',
    timeout: 'No answer',
    lost: 'Call ended: the connection was lost',
    moved: 'Call answered on another device',
  },
  denied: 'The browser did not allow the microphone or camera. Allow them for this site in the browser’s settings, then try again.',
  noDevice: 'No microphone or camera was found. Connect one and try again.',
  failed: (reason) => `The call did not work: ${reason}`,
  dismiss: 'Dismiss',
};

const ptBR: CallWords = {
  incoming: (name, video) => `${name} está ligando para você (chamada de ${video ? 'vídeo' : 'voz'})`,
  accept: 'Atender',
  acceptVideo: 'Atender com vídeo',
  acceptAudio: 'Atender só com voz',
  decline: 'Recusar',
  calling: (name) => `Chamando ${name}…`,
  connecting: 'Conectando…',
  reconnecting: 'Conexão perdida, reconectando…',
  connected: 'Conectado',
  callWith: (name) => `Chamada com ${name}`,
  mute: 'Silenciar microfone',
  camera: 'Câmera',
  screen: 'Compartilhar tela',
  devices: 'Microfone e câmera',
  microphone: 'Microfone',
  cameraDevice: 'Câmera',
  hangUp: 'Desligar',
  openChat: 'Voltar para a chamada',
  you: 'Você',
  muted: (name) => `${name} está com o microfone desligado`,
  screenOf: (name) => `Tela de ${name}`,
  quality: { good: 'Conexão: boa', fair: 'Conexão: razoável', poor: 'Conexão: ruim', unknown: 'Conexão: medindo' },
  ended: {
    hangup: 'Chamada encerrada',
    cancelled: 'Chamada cancelada',
    declined: 'Chamada recusada',
    busy: 'Ocupado: a pessoa está em outra chamada',
    timeout: 'Ninguém atendeu',
    lost: 'Chamada encerrada: a conexão caiu',
    moved: 'Chamada atendida em outro aparelho',
  },
  denied: 'O navegador não permitiu o microfone ou a câmera. Permita-os para este site nas configurações do navegador e tente de novo.',
  noDevice: 'Nenhum microfone ou câmera foi encontrado. Conecte um e tente de novo.',
  failed: (reason) => `A chamada não funcionou: ${reason}`,
  dismiss: 'Fechar',
};

export const CALL_WORDS: Record<Lang, CallWords> = { en, 'pt-BR': ptBR };
