// wpp.ts: the part of @wppconnect/wa-js (pinned, 4.6.0) that the bridge
// uses, derived from wa-js's own declarations. USED lists every value and
// function the bridge touches; WPPSubset is wa-js's type cut down to
// exactly those paths, so the bridge cannot call anything else, and the
// simulator (internal/wasim/ts), which implements WPPSubset, cannot drift
// from wa-js's names, signatures or return types. The doctor call checks the
// same list against a live page.
import type * as WA from '@wppconnect/wa-js';

export type WAJS = typeof WA;

/** Paths (dot-separated, from window.WPP) of everything the bridge uses. */
export const USED = [
  'version',
  'isReady',
  'loader.onReady',
  'on',
  'conn.isAuthenticated',
  'conn.isRegistered',
  'conn.isIdle',
  'conn.isMultiDevice',
  'conn.needsUpdate',
  'conn.getStreamData',
  'conn.getAuthCode',
  'conn.refreshQR',
  'conn.startLinkDeviceCodeForPhoneNumber',
  'conn.cancelLinkDeviceCode',
  'conn.logout',
  'conn.getMyUserId',
  'conn.getPlatform',
  'conn.getBuildConstants',
  'conn.setKeepAlive',
  'profile.getMyProfileName',
  'profile.getMyStatus',
  'profile.setMyProfileName',
  'profile.setMyStatus',
  'profile.getMyProfilePicture',
  'profile.setMyProfilePicture',
  'profile.removeMyProfilePicture',
  'call.reject',
  'chat.get',
  'chat.list',
  'chat.sendTextMessage',
  'chat.sendFileMessage',
  'chat.getMessages',
  'chat.getMessageById',
  'chat.downloadMedia',
  'contact.list',
  'contact.subscribePresence',
  'chat.sendLocationMessage',
  'chat.sendVCardContactMessage',
  'chat.sendRawMessage',
  'chat.sendCreatePollMessage',
  'chat.sendReactionToMessage',
  'chat.editMessage',
  'chat.deleteMessage',
  'chat.forwardMessages',
  'chat.starMessage',
  'chat.pinMsg',
  'chat.getVotes',
  'chat.markPlayed',
  'chat.markIsRead',
  'chat.markIsComposing',
  'chat.markIsRecording',
  'chat.markIsPaused',
  'conn.markAvailable',
  'contact.getPnLidEntry',
  'whatsapp.Socket.takeover',
  // chats and contacts (chats.ts, contacts.ts)
  'chat.archive', 'chat.unarchive', 'chat.pin', 'chat.unpin', 'chat.mute', 'chat.unmute', 'chat.markIsUnread',
  'chat.clear', 'chat.delete', 'chat.getUnreadChats', 'contact.get', 'contact.queryExists', 'contact.getProfilePictureUrl',
  'contact.getStatus', 'contact.getBusinessProfile', 'contact.getCommonGroups', 'blocklist.all', 'blocklist.blockContact',
  'blocklist.unblockContact', 'blocklist.isBlocked', 'whatsapp.ChatStore.on',
  // labels, status updates and channels (business.ts)
  'labels.getLabelColorPalette', 'labels.getAllLabels', 'labels.getLabelById', 'labels.addNewLabel', 'labels.editLabel',
  'labels.deleteLabel', 'labels.addOrRemoveLabels',
  'status.sendTextStatus', 'status.sendImageStatus', 'status.sendVideoStatus', 'status.remove', 'status.get',
  'newsletter.create', 'newsletter.edit', 'newsletter.destroy', 'newsletter.follow', 'newsletter.unfollow',
  'newsletter.mute', 'newsletter.search',
  // groups (groups.ts)
  'group.create', 'group.getAllGroups', 'group.getParticipants', 'group.addParticipants',
  'group.removeParticipants', 'group.promoteParticipants', 'group.demoteParticipants', 'group.setSubject',
  'group.setDescription', 'group.setIcon', 'group.removeIcon', 'group.setProperty', 'group.getInviteCode',
  'group.revokeInviteCode', 'group.getGroupInfoFromInviteCode', 'group.join', 'group.leave',
  'group.getMembershipRequests', 'group.approve', 'group.reject',
  'community.create', 'community.getSubgroups', 'community.addSubgroups', 'community.removeSubgroups',
  'community.deactivate', 'community.getAnnouncementGroup',
] as const;

export type UsedPath = (typeof USED)[number];

type Head<P> = P extends `${infer A}.${string}` ? A : P;
type Rest<P, K extends string> = P extends `${K}.${infer R}` ? R : never;

/** PickPaths<T, P> is T with only the dot-separated paths P. */
export type PickPaths<T, P extends string> = {
  [K in Head<P> & keyof T]: [Rest<P, K & string>] extends [never] ? T[K] : PickPaths<T[K], Rest<P, K & string>>;
};

/** WPPSubset is the window.WPP the bridge sees, typed by wa-js. */
export type WPPSubset = PickPaths<WAJS, UsedPath>;

export type Wid = WA.whatsapp.Wid;
export type MsgKey = WA.whatsapp.MsgKey;
export type MsgModel = WA.whatsapp.MsgModel;
export type ChatModel = WA.whatsapp.ChatModel;
export type ContactModel = WA.whatsapp.ContactModel;
export type AuthCode = WA.conn.AuthCode;
export type EventTypes = WA.ev.EventTypes;
export type SendMessageReturn = Awaited<ReturnType<WAJS['chat']['sendTextMessage']>>;
export type RawMessage = Awaited<ReturnType<WAJS['chat']['getMessages']>>[number];
export type ParticipantModel = WA.whatsapp.ParticipantModel;
export type GroupMetadataModel = WA.whatsapp.GroupMetadataModel;
export type GroupProperty = WA.group.GroupProperty;
export type ParticipantChanged = WA.ev.EventTypes['group.participant_changed'];
export type PnLidEntryResult = Awaited<ReturnType<WAJS['contact']['getPnLidEntry']>>;
export type QueryExistsResult = WA.contact.QueryExistsResult;
export type BusinessProfileModel = WA.whatsapp.BusinessProfileModel;
export type ProfilePicThumbModel = WA.whatsapp.ProfilePicThumbModel;
