// Which handler answers each client opcode. Handlers return the `result` data (or nothing for
// fire-and-forget frames) and throw RequestError for failures.
import { Op, type CallJoinFrame } from '@parley/sdk/protocol';
import type { Session } from './session.js';
import { botHandled, botState, ephemeral, listCommands, publishCommands } from './bot-requests.js';
import { deleteMessage, edit, react } from './change-requests.js';
import { ping, send, history, typing, setPresence, setProfile } from './message-requests.js';
import { createRoom, listRooms, join, leave, invite, subscribe, unsubscribe, members, updateRoom } from './room-requests.js';
import { read } from './read-requests.js';
import { search } from './search-requests.js';
import { userSubscribe } from './user-log.js';
import { linkPreview, notifySettings, pushSubscribe, pushUnsubscribe } from './notify-requests.js';
import { fileUrls } from './file-requests.js';
import { memberPage, moderate, report, roomRules } from './moderation-requests.js';
import { act } from './interactive.js';
import { streamEnd, streamStart, streamWrite } from './streams.js';
import { callDecline, callJoin, callLeave, callMedia, callSignal, callStart } from './call-requests.js';
import { moderationVerdict, moderationWatch } from './hook-requests.js';

export const requestHandlers = {
  [Op.Ping]: ping,
  [Op.RoomCreate]: createRoom,
  [Op.RoomList]: listRooms,
  [Op.Join]: join,
  [Op.Leave]: leave,
  [Op.Invite]: invite,
  [Op.Subscribe]: subscribe,
  [Op.Unsubscribe]: unsubscribe,
  [Op.Members]: members,
  [Op.RoomUpdate]: updateRoom,
  [Op.Send]: send,
  [Op.History]: history,
  [Op.Typing]: typing,
  [Op.SetPresence]: setPresence,
  [Op.SetProfile]: setProfile,
  [Op.UserSubscribe]: userSubscribe,
  [Op.Edit]: edit,
  [Op.Delete]: deleteMessage,
  [Op.React]: react,
  [Op.Read]: read,
  [Op.PushSubscribe]: pushSubscribe,
  [Op.PushUnsubscribe]: pushUnsubscribe,
  [Op.NotifySettings]: notifySettings,
  [Op.LinkPreview]: linkPreview,
  [Op.FileUrls]: fileUrls,
  [Op.Search]: search,
  [Op.Moderate]: moderate,
  [Op.Report]: report,
  [Op.RoomRules]: roomRules,
  [Op.MemberPage]: memberPage,
  [Op.BotState]: botState,
  [Op.BotHandled]: botHandled,
  [Op.Ephemeral]: ephemeral,
  [Op.CommandsPublish]: publishCommands,
  [Op.CommandsList]: listCommands,
  [Op.Act]: act,
  [Op.StreamStart]: streamStart,
  [Op.StreamWrite]: streamWrite,
  [Op.StreamEnd]: streamEnd,
  [Op.CallStart]: callStart,
  [Op.CallJoin]: (s: Session, f: CallJoinFrame): ReturnType<typeof callJoin> => callJoin(s, f),
  [Op.CallDecline]: callDecline,
  [Op.CallLeave]: callLeave,
  [Op.CallSignal]: callSignal,
  [Op.CallMedia]: callMedia,
  [Op.ModerationWatch]: moderationWatch,
  [Op.ModerationVerdict]: moderationVerdict,
} as const;
