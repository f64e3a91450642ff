// groups.ts: groups through WPP.group (wa-js 4.6.0, src/group) and their
// events (docs/bridge.md). Participant changes come from wa-js's
// group.participant_changed; everything else a group tells (created,
// subject, description, picture, settings, invite reset, membership
// requests) from its notification messages (types gp2 and
// group_notification), which messaging.ts skips as messages and hands here.
import { emit } from './emit';
import type { ChatModel, GroupProperty, MsgModel, ParticipantChanged, ParticipantModel, WPPSubset } from './wpp';
import { ser } from './values';

type Args = Record<string, unknown>;

/** Participant is a group member and its role (session.GroupParticipant). */
export interface Participant { id: string; role: 'member' | 'admin' | 'superadmin' }

/** Group is a group's shape (session.Group). */
export interface Group {
  id: string;
  subject: string;
  description: string;
  owner: string;
  created_at: number;
  size: number;
  participants: Participant[];
  announcement: boolean;
  restrict: boolean;
  ephemeral: number;
  membership_approval: boolean;
  member: boolean;
}

/** Result is one participant's answer to an action on participants. */
export interface Result { id: string; ok: boolean; code: string; invite_code?: string; invite_code_exp?: number }

/** Helpers are what messaging.ts lends this module. */
export interface Helpers {
  w: WPPSubset;
  myId(): string;
  need(args: Args, name: string): string;
}

// Refusals of a whole call: no participant of it can succeed.
const WHOLE: Record<string, true> = { chat_not_found: true, not_a_group: true, group_you_are_not_admin: true, offline: true };
// ADD_CODES names addParticipants' per-participant codes.
const ADD_CODES: Record<number, string> = { 200: 'added', 403: 'invited', 408: 'recently_left', 409: 'already_member',
  421: 'pending_approval', 500: 'group_full' };
// UPDATES maps notification subtypes to what group.updated says changed.
const UPDATES: Record<string, string> = { subject: 'subject', description: 'description', picture: 'picture',
  announce: 'announcement', restrict: 'restrict', ephemeral: 'ephemeral', revoke_invite: 'invite',
  membership_approval_mode: 'membership_approval' };

function codeOf(err: unknown): string {
  const c = err && (err as { code?: unknown }).code;
  return typeof c === 'string' ? c : 'error';
}
const role = (p: ParticipantModel): Participant['role'] => (p.isSuperAdmin ? 'superadmin' : p.isAdmin ? 'admin' : 'member');
const link = (code: string) => ({ code, link: 'https://chat.whatsapp.com/' + code });

/** groups builds the group calls and the group events on h. */
export function groups(h: Helpers) {
  const { w, myId, need } = h;

  function list(args: Args, name: string): string[] {
    const v = args[name];
    if (!Array.isArray(v) || v.length === 0) throw new Error(name + ' is required');
    return v.map(String);
  }

  // shape reads a group chat's metadata and participants.
  async function shape(c: ChatModel): Promise<Group> {
    const id = ser(c.id);
    const m = c.groupMetadata;
    const ps = await w.group.getParticipants(id).catch(() => [] as ParticipantModel[]);
    const me = myId();
    return {
      id, subject: String((m && m.subject) || c.name || ''), description: String((m && m.desc) || ''),
      owner: ser(m && m.owner), created_at: Number((m && m.creation) || 0), size: Number((m && m.size) || ps.length),
      participants: ps.map((p) => ({ id: ser(p.id), role: role(p) })),
      announcement: !!(m && m.announce), restrict: !!(m && m.restrict), ephemeral: Number((m && m.ephemeralDuration) || 0),
      membership_approval: !!(m && m.membershipApprovalMode), member: ps.some((p) => ser(p.id) === me),
    };
  }

  async function byId(gid: string): Promise<Group> {
    let c = w.chat.get(gid);
    if (!c || !c.groupMetadata) c = (await w.group.getAllGroups()).find((g) => g && ser(g.id) === gid);
    if (!c) throw Object.assign(new Error(`Chat not found for ${gid}`), { code: 'chat_not_found' });
    return shape(c);
  }

  // each runs fn for every participant on its own, so that each gets its
  // answer; a refusal of the whole call is thrown.
  async function each(ids: string[], fn: (id: string) => Promise<unknown>): Promise<Result[]> {
    const out: Result[] = [];
    for (const id of ids) {
      try {
        await fn(id);
        out.push({ id, ok: true, code: 'ok' });
      } catch (err) {
        if (WHOLE[codeOf(err)]) throw err;
        out.push({ id, ok: false, code: codeOf(err) });
      }
    }
    return out;
  }

  function addResults(r: Record<string, { code: number; invite_code: string | null; invite_code_exp: number | null }>): Result[] {
    return Object.entries(r).map(([id, x]) => {
      const out: Result = { id, ok: x.code === 200, code: ADD_CODES[x.code] || 'error_' + x.code };
      if (x.invite_code) out.invite_code = x.invite_code;
      if (x.invite_code_exp) out.invite_code_exp = x.invite_code_exp;
      return out;
    });
  }

  const prop = (p: string) => p as unknown as GroupProperty;
  const linkResult = (r: { failedGroups?: { error: string; jid: string }[]; linkedGroupJids?: string[] } | undefined) => ({
    linked: ((r && r.linkedGroupJids) || []).map(String),
    failed: ((r && r.failedGroups) || []).map((f) => ({ id: String(f.jid), error: String(f.error) })),
  });

  const calls: Record<string, (args: Args) => Promise<unknown>> = {
    listGroups: async () => {
      const gs = (await w.group.getAllGroups()).filter((c): c is ChatModel => !!c);
      return Promise.all(gs.map(shape));
    },
    getGroup: async (args) => byId(need(args, 'group')),
    createGroup: async (args) => {
      const r = await w.group.create(need(args, 'subject'), list(args, 'participants'), '');
      return { group: await byId(ser(r.gid)), results: addResults(r.participants) };
    },
    groupParticipants: async (args) => {
      const gid = need(args, 'group');
      const ids = list(args, 'participants');
      switch (need(args, 'action')) {
        case 'add': return addResults(await w.group.addParticipants(gid, ids));
        case 'remove': return each(ids, (id) => w.group.removeParticipants(gid, id));
        case 'promote': return each(ids, (id) => w.group.promoteParticipants(gid, id));
        case 'demote': return each(ids, (id) => w.group.demoteParticipants(gid, id));
      }
      throw new Error('action must be add, remove, promote or demote');
    },
    setGroupSubject: async (args) => w.group.setSubject(need(args, 'group'), need(args, 'subject')),
    setGroupDescription: async (args) => w.group.setDescription(need(args, 'group'), String(args.description || '')),
    setGroupPicture: async (args) => {
      await w.group.setIcon(need(args, 'group'), 'data:' + need(args, 'mimetype') + ';base64,' + need(args, 'data'));
      return true;
    },
    removeGroupPicture: async (args) => w.group.removeIcon(need(args, 'group')),
    setGroupSettings: async (args) => {
      const gid = need(args, 'group');
      if (typeof args.announcement === 'boolean') await w.group.setProperty(gid, prop('announcement'), args.announcement);
      if (typeof args.restrict === 'boolean') await w.group.setProperty(gid, prop('restrict'), args.restrict);
      if (typeof args.ephemeral === 'number') await w.group.setProperty(gid, prop('ephemeral'), args.ephemeral as 0);
      return byId(gid);
    },
    getGroupInvite: async (args) => link(await w.group.getInviteCode(need(args, 'group'))),
    revokeGroupInvite: async (args) => link(await w.group.revokeInviteCode(need(args, 'group'))),
    groupInviteInfo: async (args) => {
      const g = await w.group.getGroupInfoFromInviteCode(need(args, 'code'));
      return { id: g.id, subject: g.subject, description: g.desc, owner: g.owner || '', created_at: g.creation, size: g.size,
        participants: g.participants.map((p) => ({ id: p.id, role: p.isSuperAdmin ? 'superadmin' : p.isAdmin ? 'admin' : 'member' })),
        announcement: g.announce, restrict: g.restrict, ephemeral: 0, membership_approval: g.membershipApprovalMode, member: false };
    },
    joinGroup: async (args) => {
      const r = await w.group.join(need(args, 'code'));
      return { id: r.id, pending_approval: r.pendingApproval };
    },
    leaveGroup: async (args) => { await w.group.leave(need(args, 'group')); return true; },
    groupRequests: async (args) => (await w.group.getMembershipRequests(need(args, 'group'))).map((r) => ({
      id: ser(r.id), added_by: ser(r.addedBy), method: String(r.requestMethod), timestamp: Number(r.t) })),
    // Communities (WPP.community): a community is a parent group.
    createCommunity: async (args) => {
      const r = await w.community.create(need(args, 'name'), String(args.description || ''), list(args, 'groups'));
      return { id: ser(r && r.wid), ...linkResult(r && r.subGroups) };
    },
    getCommunity: async (args) => {
      const id = need(args, 'community');
      const c = w.chat.get(id);
      const m = c && c.groupMetadata;
      if (!m || !m.isParentGroup) throw Object.assign(new Error(`${id} is not a community of ours`), { code: 'group_not_exist' });
      return { id, name: String(m.subject || ''), description: String(m.desc || ''),
        announcement_group: ser(w.community.getAnnouncementGroup(id)), subgroups: w.community.getSubgroups(id).map(ser) };
    },
    communitySubgroups: async (args) => {
      const ids = w.community.getSubgroups(need(args, 'community')).map(ser);
      return Promise.all(ids.map((id) => byId(id).catch(() => null))).then((gs) => gs.filter((g) => g));
    },
    linkSubgroups: async (args) => {
      const id = need(args, 'community');
      const groups = list(args, 'groups');
      return linkResult(args.link ? await w.community.addSubgroups(id, groups) : await w.community.removeSubgroups(id, groups));
    },
    deactivateCommunity: async (args) => { await w.community.deactivate(need(args, 'community')); return true; },
    decideGroupRequests: async (args) => {
      const gid = need(args, 'group');
      const ids = list(args, 'participants');
      const r = args.approve ? await w.group.approve(gid, ids) : await w.group.reject(gid, ids);
      return r.map((x) => ({ id: ser(x.wid), ok: !x.error, code: x.error ? String(x.error) : 'ok' }));
    },
  };

  // onParticipants reports a participant change, and our own joining or
  // leaving. wa-js's action is add, remove, promote, demote, or join (by
  // invite) and leave (the author removed themself).
  function onParticipants(e: ParticipantChanged): void {
    const action = String(e.action);
    const reason = action === 'join' ? 'invite' : action === 'leave' || action === 'leaver' ? 'left' : '';
    const base = { group_id: String(e.groupId), by: String(e.author || ''), participants: (e.participants || []).map(String) };
    emit('group_participants', { ...base, action: String(e.operation), reason });
    if (!base.participants.includes(myId())) return;
    if (e.operation === 'add') emit('group_joined', { group_id: base.group_id, by: base.by, reason: reason || 'added' });
    if (e.operation === 'remove') emit('group_left', { group_id: base.group_id, by: base.by, reason: reason || 'removed' });
  }

  // onNotification turns a group's notification message into its event.
  async function onNotification(m: MsgModel): Promise<void> {
    const gid = ser(m.id && (m.id as { remote?: unknown }).remote) || ser(m.from);
    const by = ser(m.author);
    const subtype = String(m.subtype || '');
    if (subtype === 'create') {
      emit('group_joined', { group_id: gid, by, reason: by === myId() ? 'created' : 'added', group: await byId(gid).catch(() => null) });
    } else if (UPDATES[subtype]) {
      emit('group_updated', { group_id: gid, by, changed: UPDATES[subtype], group: await byId(gid).catch(() => null) });
    } else if (subtype === 'membership_approval_request') {
      emit('group_membership_request', { group_id: gid, by, participants: ((m.recipients as unknown[]) || []).map(ser),
        method: 'InviteLink' });
    }
  }

  return { calls, onParticipants, onNotification };
}

/** GROUP_CALLS names the calls groups answer. */
export const GROUP_CALLS: Record<string, true> = {
  listGroups: true, getGroup: true, createGroup: true, groupParticipants: true, setGroupSubject: true,
  setGroupDescription: true, setGroupPicture: true, removeGroupPicture: true, setGroupSettings: true,
  getGroupInvite: true, revokeGroupInvite: true, groupInviteInfo: true, joinGroup: true, leaveGroup: true,
  groupRequests: true, decideGroupRequests: true,
  createCommunity: true, getCommunity: true, communitySubgroups: true, linkSubgroups: true, deactivateCommunity: true,
};

/**
 * groupSendRefusal says why WhatsApp does not take our messages to chat, a
 * group we are no longer a participant of or where only admins send and we
 * are not one, as a group_not_allowed refusal; null for any other chat.
 * WhatsApp Web hides the composer there and wa-js does not check: a send
 * anyway just fails, which the caller tells apart from a network failure
 * with this.
 */
export async function groupSendRefusal(w: WPPSubset, me: string, chat: string): Promise<Error | null> {
  if (!chat.endsWith('@g.us')) return null;
  const ps = await w.group.getParticipants(chat).catch(() => null);
  if (!ps) return null;
  const mine = ps.find((p) => ser(p.id) === me);
  const m = w.chat.get(chat)?.groupMetadata;
  let why = '';
  if (!mine) why = `we are not a participant of ${chat}`;
  else if (m && m.announce && !mine.isAdmin && !mine.isSuperAdmin) why = `only admins can send messages to ${chat}`;
  return why ? Object.assign(new Error(why), { code: 'group_not_allowed' }) : null;
}
