// groups.ts: WPP.group of the simulator as the bridge uses it (WPPSubset:
// wa-js 4.6.0's names, signatures and return shapes), and the event
// group.participant_changed. The groups live on the server (groups.go);
// the page keeps their metadata on the group chats' ChatModel.groupMetadata,
// as WhatsApp's GroupMetadataStore does, so ensureGroup's checks (chat
// known, a group, we are admin) run in the page first, as in wa-js, and the
// server enforces them again. chat.ts hands in its chat store.
import type { ChatModel, GroupMetadataModel, ParticipantChanged, ParticipantModel, Wid, WPPSubset } from '../../browser/bridge/wpp';
import { need, widOf, type Sim } from './sim';
import { fake } from './watypes';

type Group = WPPSubset['group'];
type Community = WPPSubset['community'];

/** WireGroup is a group as the server sends it (GroupInfo in groups.go). */
export interface WireGroup {
  id: string;
  subject: string;
  desc: string;
  picture?: string;
  owner: string;
  creation: number;
  participants: { id: string; is_admin: boolean; is_super_admin: boolean }[];
  announce: boolean;
  restrict: boolean;
  ephemeral: number;
  membership_approval: boolean;
  size: number;
  member: boolean;
  is_parent?: boolean;
  parent_group?: string;
  joined_subgroups?: string[];
  group_type?: string;
}

/** WireChange is a participant change (GroupChange in groups.go). */
export interface WireChange {
  group_id: string;
  author: string;
  action: 'add' | 'remove' | 'demote' | 'promote' | 'leave' | 'join'; // wa-js's code says leave (its type: leaver)
  operation: 'add' | 'remove' | 'demote' | 'promote';
  participants: string[];
}

/** Helpers are what chat.ts lends this module. */
export interface Helpers {
  sim: Sim;
  jidOf(x: unknown): string;
  me(): Wid;
  noteChat(jid: string, name: string, t: number): ChatModel;
  chats: Map<string, ChatModel>;
}

// wa-js's messages of addParticipants' codes.
const ADD_MESSAGES: Record<number, string> = {
  200: 'OK',
  403: "Can't join this group because the number was restricted it.",
  409: "Can't join this group because the number is already a member of it.",
  421: 'Member not added, awaiting approval!',
};

// wa-js's requestMethod values of getMembershipRequests.
const REQUEST_METHODS = ['InviteLink', 'LinkedGroupJoin', 'NonAdminAdd'] as const satisfies
  readonly Awaited<ReturnType<WPPSubset['group']['getMembershipRequests']>>[number]['requestMethod'][];

// bare strips what wa-js strips from an invite code or link.
const bare = (code: unknown) => String(code).replace('chat.whatsapp.com/', '').replace('invite/', '').replace('https://', '').replace('http://', '');

/** groups builds WPP.group and the server's group push handler. */
export function groups(h: Helpers) {
  const { sim, jidOf, me, noteChat, chats } = h;
  const { WPPError, emit } = sim;
  const call = async (g: Record<string, unknown>) => sim.request({ t: 'group', group: g });

  // store keeps a group's metadata on its chat, as WhatsApp does.
  function store(w: WireGroup): ChatModel {
    const c = noteChat(w.id, w.subject, 0);
    const participants = w.participants.map((p) => fake<ParticipantModel>({ id: widOf(p.id), isAdmin: p.is_admin, isSuperAdmin: p.is_super_admin }));
    const meta = fake<GroupMetadataModel>({ id: widOf(w.id), subject: w.subject, desc: w.desc, owner: widOf(w.owner), creation: w.creation,
      announce: w.announce, restrict: w.restrict, ephemeralDuration: w.ephemeral, membershipApprovalMode: w.membership_approval,
      size: w.size, isLidAddressingMode: false, isParentGroup: !!w.is_parent, isParentGroupClosed: false, stale: false,
      parentGroup: w.parent_group ? widOf(w.parent_group) : undefined, joinedSubgroups: (w.joined_subgroups || []).map(widOf),
      groupType: w.group_type || undefined,
      participants: fake<GroupMetadataModel['participants']>({ getModelsArray: () => participants.slice() }) });
    Object.assign(c, { groupMetadata: meta, isReadOnly: !w.member, __picture: w.picture || '' });
    return c;
  }

  // ensureGroup is wa-js's: a known chat, a group, and (when asked) us an
  // admin of it.
  function ensureGroup(groupId: unknown, checkIsAdmin = false): ChatModel {
    const jid = jidOf(groupId);
    const c = chats.get(jid);
    if (!c) throw new WPPError('chat_not_found', `Chat not found for ${jid}`);
    if (!jid.endsWith('@g.us') || !c.groupMetadata) throw new WPPError('not_a_group', `Chat ${jid} is not a group`);
    if (checkIsAdmin && !iAmAdmin(c)) throw new WPPError('group_you_are_not_admin', `You are not admin in ${jid}`);
    return c;
  }
  function members(c: ChatModel): ParticipantModel[] {
    return c.groupMetadata ? c.groupMetadata.participants.getModelsArray() : [];
  }
  function iAmAdmin(c: ChatModel): boolean {
    const mine = jidOf(me());
    return members(c).some((p) => jidOf(p.id) === mine && (p.isAdmin || p.isSuperAdmin));
  }
  const list = (ids: unknown): string[] => (Array.isArray(ids) ? ids : [ids]).map(jidOf);

  async function refresh(gid: string): Promise<ChatModel> {
    const r = await call({ op: 'info', gid });
    return store(need(r.group, 'group'));
  }

  const create: Group['create'] = async (groupName, participantsIds) => {
    const r = await call({ op: 'create', subject: String(groupName), participants: list(participantsIds) });
    const g = store(need(r.group, 'group'));
    const participants: Awaited<ReturnType<Group['create']>>['participants'] = {};
    for (const x of r.results || []) {
      participants[x.wid as `${number}@c.us`] = { wid: x.wid, code: x.code, invite_code: x.invite_code || null,
        invite_code_exp: x.invite_code_exp || null };
    }
    return { gid: g.id, participants };
  };

  const getAllGroups: Group['getAllGroups'] = async () => {
    const r = await call({ op: 'list' });
    return (r.groups || []).map(store);
  };

  const getParticipants: Group['getParticipants'] = async (groupId) => members(ensureGroup(groupId));

  const addParticipants: Group['addParticipants'] = async (groupId, ids) => {
    const c = ensureGroup(groupId, true);
    const r = await call({ op: 'add', gid: jidOf(c.id), participants: list(ids) });
    const out: Awaited<ReturnType<Group['addParticipants']>> = {};
    for (const x of r.results || []) {
      out[x.wid as `${number}@c.us`] = { wid: x.wid, code: x.code, message: ADD_MESSAGES[x.code] || "Can't Join., unknown error",
        invite_code: x.invite_code || null, invite_code_exp: x.invite_code_exp || null };
    }
    return out;
  };

  // change runs a participant operation; wa-js's checks of the
  // participants run on the server, which answers with wa-js's codes.
  const change = (op: string) => async (groupId: unknown, ids: unknown): Promise<void> => {
    const c = ensureGroup(groupId, true);
    await call({ op, gid: jidOf(c.id), participants: list(ids) });
  };

  async function set(groupId: unknown, what: string, v: { value?: string; flag?: boolean; n?: number }): Promise<true> {
    const c = ensureGroup(groupId);
    await call({ op: 'set', gid: jidOf(c.id), what, ...v });
    return true;
  }

  const setIcon: Group['setIcon'] = async (groupId, content) => {
    if (!/^data:image\/[a-z+.-]+;base64,[A-Za-z0-9+/=]+$/.test(String(content))) {
      throw new WPPError('invalid_image', 'The content is not an image');
    }
    await set(groupId, 'picture', { flag: true });
    return { eurl: '', status: 200, tag: String(Date.now()), token: '', _duplicate: false };
  };

  const setProperty: Group['setProperty'] = async (groupId, property, value) => {
    const p = String(property);
    if (p === 'ephemeral') {
      const n = typeof value === 'boolean' || value === 1 ? 604800 : Number(value);
      if (![0, 86400, 604800, 7776000].includes(n)) throw new WPPError('invalid_ephemeral_duration', 'Invalid ephemeral duration');
      return set(groupId, 'ephemeral', { n });
    }
    if (p !== 'announcement' && p !== 'restrict') throw new WPPError('invalid_property', `Invalid property ${p}`);
    return set(groupId, p === 'announcement' ? 'announce' : 'restrict', { flag: !!value });
  };

  const inviteOp = (op: string) => async (groupId: unknown): Promise<string> => {
    const c = ensureGroup(groupId, true);
    const r = await call({ op, gid: jidOf(c.id) });
    return String(r.code);
  };

  const getGroupInfoFromInviteCode: Group['getGroupInfoFromInviteCode'] = async (inviteCode) => {
    const code = bare(inviteCode);
    const r = await call({ op: 'invite_info', code }).catch(() => null);
    if (!r || !r.group) throw new WPPError('invalid_invite_code', 'Invalid Invite Code');
    const w = need(r.group, 'group');
    return { descOwner: undefined, id: w.id, owner: w.owner, subjectOwner: undefined,
      participants: w.participants.map((p) => ({ id: p.id, isAdmin: p.is_admin, isSuperAdmin: p.is_super_admin })),
      announce: w.announce, creation: w.creation, desc: w.desc, descId: '', descTime: 0, noFrequentlyForwarded: false,
      parent: false, restrict: w.restrict, size: w.size, status: 200, subject: w.subject, subjectTime: w.creation,
      support: false, suspended: false, isParentGroup: false, isParentGroupClosed: false, defaultSubgroup: false,
      generalSubgroup: false, membershipApprovalMode: w.membership_approval, isLidAddressingMode: false,
      generalChatAutoAddDisabled: false };
  };

  const join: Group['join'] = async (inviteCode) => {
    const code = bare(inviteCode);
    const r = await call({ op: 'join', code });
    const w = need(r.group, 'group');
    if (!r.pending) store(w);
    return { id: w.id, pendingApproval: !!r.pending };
  };

  const leave: Group['leave'] = async (groupId) => {
    const c = ensureGroup(groupId);
    await call({ op: 'leave', gid: jidOf(c.id) });
  };

  const getMembershipRequests: Group['getMembershipRequests'] = async (groupId) => {
    const r = await call({ op: 'requests', gid: jidOf(groupId) });
    const method = (m: string) => REQUEST_METHODS.find((x) => x === m) || 'InviteLink';
    return (r.requests || []).map((x) => ({ addedBy: widOf(x.by), id: widOf(x.id), requestMethod: method(x.method), t: x.t }));
  };

  const decide = (op: 'approve' | 'reject') => async (groupId: unknown, ids: unknown) => {
    const r = await call({ op, gid: jidOf(groupId), participants: list(ids) });
    return (r.results || []).map((x) => ({ wid: widOf(x.wid), error: x.code === 200 ? undefined : x.code }));
  };

  const group: Group = {
    create, getAllGroups, getParticipants, addParticipants,
    removeParticipants: change('remove'), promoteParticipants: change('promote'), demoteParticipants: change('demote'),
    setSubject: (gid, subject) => set(gid, 'subject', { value: String(subject) }),
    setDescription: (gid, description) => set(gid, 'description', { value: String(description) }),
    setIcon, removeIcon: (gid) => set(gid, 'picture', { flag: false }), setProperty,
    getInviteCode: inviteOp('invite'), revokeInviteCode: inviteOp('revoke'), getGroupInfoFromInviteCode, join, leave,
    getMembershipRequests, approve: decide('approve'), reject: decide('reject'),
  };

  // Server → page: a group changed. wa-js reports participant changes a
  // microtask after WhatsApp applied them (updateDBForGroupAction).
  function onGroup(w: WireGroup, ch: WireChange | undefined): void {
    store(w);
    if (!ch) return;
    const author = ch.author || undefined;
    // wa-js emits action 'leave' for a member who removed themselves, though
    // its declaration says 'leaver' (registerParticipantsChangedEvent casts
    // it with as any); the bridge takes both.
    const action = ch.action as ParticipantChanged['action']; // see above
    queueMicrotask(() => emit('group.participant_changed', { author, authorPushName: undefined, groupId: ch.group_id,
      action, operation: ch.operation, participants: ch.participants.slice() }));
  }

  // WPP.community: the GroupMetadataStore reads are the chats' metadata.
  const meta = (id: unknown) => {
    const c = chats.get(jidOf(id));
    return c && c.groupMetadata ? c.groupMetadata : undefined;
  };
  const getSubgroups: Community['getSubgroups'] = (communityId) => {
    const g = meta(communityId);
    if (!g) throw new WPPError('group_not_exist', `GroupId ${jidOf(communityId)} not exists`);
    const joined: Wid[] = g.joinedSubgroups || []; // any in GroupMetadataModel
    if (joined.length > 0) return joined;
    const parent = meta(g.parentGroup);
    return parent ? parent.joinedSubgroups || [] : [];
  };
  const links = (op: string) => async (parentGroupId: unknown, ids: unknown) => {
    const r = await call({ op, gid: jidOf(parentGroupId), groups: list(ids) });
    return { failedGroups: r.failed || [], linkedGroupJids: r.linked || [] };
  };
  const community: Community = {
    create: async (name, desc, subGroupsIds) => {
      const r = await call({ op: 'community_create', subject: String(name), value: String(desc), groups: list(subGroupsIds) });
      const c = store(need(r.group, 'group'));
      return { wid: c.id, subGroups: { failedGroups: r.failed || [], linkedGroupJids: r.linked || [] } };
    },
    getSubgroups,
    getAnnouncementGroup: (communityId) => {
      for (const id of getSubgroups(communityId)) {
        const g = meta(id);
        if (g && g.groupType === 'LINKED_ANNOUNCEMENT_GROUP') return g.id;
      }
      return undefined;
    },
    addSubgroups: links('community_link'),
    removeSubgroups: links('community_unlink'),
    deactivate: async (communityId) => call({ op: 'community_deactivate', gid: jidOf(communityId) }).then(() => ({})),
  };

  return { group, community, onGroup, refresh };
}
