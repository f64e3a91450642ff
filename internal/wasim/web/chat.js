// Code generated from internal/wasim/ts/chat.ts by `go generate ./internal/browser/bridge`; DO NOT EDIT.
"use strict";
(() => {
  // internal/wasim/ts/sim.ts
  function sim() {
    return window.__wasim || null;
  }
  function widOf(jid) {
    const s = String(jid);
    const [user, server] = s.split("@");
    const w = {
      server,
      user,
      _serialized: s,
      toString: () => s,
      equals: (o) => !!o && String(o._serialized || o) === s,
      isUser: () => server === "c.us" || server === "lid",
      isGroup: () => server === "g.us",
      isLid: () => server === "lid"
    };
    return w;
  }

  // internal/wasim/ts/actions.ts
  var PIN_DURATIONS = ["FiveSeconds", "FifteenSeconds", "OneMinute", "OneDay", "SevenDays", "ThirtyDays"];
  function actions(h) {
    const { sim: sim2, jidOf, msgKey, models, me, chatJid, send, byId } = h;
    const { emit, WPPError } = sim2;
    const act = (a) => sim2.request({ t: "act", act: a });
    function content(m, v) {
      const x = m;
      if (v.quoted_id) {
        const q = msgKey(v.quoted_id);
        const remote = jidOf(q.remote);
        Object.assign(x, {
          quotedStanzaID: q.id,
          quotedRemoteJid: q.remote,
          quotedParticipant: q.fromMe ? me() : remote.endsWith("@g.us") ? void 0 : q.remote
        });
      }
      Object.assign(x, {
        mentionedJidList: (v.mentions || []).map(widOf),
        isViewOnce: !!v.view_once,
        isGif: !!v.gif,
        isForwarded: !!v.forwarded,
        star: !!v.starred
      });
      if (v.edits && v.edits.length) x.latestEditMsgKey = msgKey(v.id);
      if (v.location) {
        const l = v.location;
        Object.assign(x, {
          lat: l.lat,
          lng: l.lng,
          clientUrl: l.url || void 0,
          loc: l.name && l.address ? l.name + "\n" + l.address : l.name || l.address || ""
        });
      }
      if (v.type === "vcard" && v.vcards && v.vcards.length) Object.assign(x, { body: v.vcards[0].vcard, vcardFormattedName: v.vcards[0].displayName });
      if (v.type === "multi_vcard") x.vcardList = v.vcards;
      if (v.poll) {
        Object.assign(x, {
          pollName: v.poll.name,
          pollOptions: v.poll.options.map((name, localId) => ({ name, localId })),
          pollSelectableOptionsCount: v.poll.selectable_count || 0
        });
      }
    }
    async function context(options) {
      const out = {};
      if (options && options.quotedMsg) out.quoted_id = jidOf((await byId(jidOf(options.quotedMsg))).id);
      if (options && options.mentionedList) out.mentions = options.mentionedList.map(jidOf);
      return out;
    }
    function fileFields(type, o) {
      const t = type === "audio" && o.isPtt ? "ptt" : type === "video" && o.isPtv ? "ptv" : type;
      return { type: t, view_once: !!o.isViewOnce && t !== "document" && t !== "sticker", gif: !!o.isGif };
    }
    function vcardOf(c) {
      const obj = c && typeof c === "object" && "id" in c ? c : null;
      const id = jidOf(obj ? obj.id : c);
      const user = id.split("@")[0];
      const name = obj && obj.name || "+" + user;
      return { displayName: name, vcard: `BEGIN:VCARD
VERSION:3.0
N:;${name};;;
FN:${name}
TEL;type=CELL;type=VOICE;waid=${user}:+${user}
END:VCARD` };
    }
    async function sendCards(chatId, vcards, options) {
      const type = vcards.length === 1 ? "vcard" : "multi_vcard";
      return send(chatJid(chatId), { type, vcards, ...await context(options) }, null, options);
    }
    function selected(poll, idx) {
      const out = [];
      for (const i of idx) out[i] = { name: poll.options[i], localId: i };
      return out;
    }
    const ok = "OK";
    const chat = {
      sendLocationMessage: async (chatId, options) => {
        const jid = chatJid(chatId);
        const location = { lat: Number(options.lat), lng: Number(options.lng), name: options.name || "", address: options.address || "", url: options.url || "" };
        return send(jid, { type: "location", location, ...await context(options) }, null, options);
      },
      sendVCardContactMessage: async (chatId, contacts, options = {}) => sendCards(chatId, (Array.isArray(contacts) ? contacts : [contacts]).map(vcardOf), options),
      sendRawMessage: async (chatId, raw, options = {}) => {
        const r = raw;
        if (r.type === "vcard") return sendCards(chatId, [{ displayName: r.vcardFormattedName || "", vcard: String(r.body) }], options);
        if (r.type === "multi_vcard") return sendCards(chatId, r.vcardList || [], options);
        throw new WPPError("not_supported", `raw message type ${r.type} is not simulated`);
      },
      sendCreatePollMessage: async (chatId, name, choices, options = {}) => {
        const poll = { name: String(name), options: choices.map(String), selectable_count: options.selectableCount || 0 };
        return send(chatJid(chatId), { type: "poll_creation", poll, ...await context(options) }, null, options);
      },
      sendReactionToMessage: async (id, reaction) => {
        const m = await byId(id);
        await act({ type: "react", msg: jidOf(m.id), value: reaction || "" });
        return { sendMsgResult: "OK" };
      },
      editMessage: async (id, text, options = {}) => {
        const m = await byId(id);
        await act({ type: "edit", msg: jidOf(m.id), value: String(text).trim(), mentions: (options.mentionedList || []).map(jidOf) });
        const jid = jidOf(m.id.remote);
        return { id: `true_${jid}_${h.newKey()}`, from: jidOf(me()), to: jid, ack: 1, sendMsgResult: { messageSendResult: "OK" } };
      },
      deleteMessage: (async (_chatId, ids, _deleteMedia = false, revoke = false) => {
        const out = [];
        for (const id of Array.isArray(ids) ? ids : [ids]) {
          const m = await byId(id);
          const mine = !!m.id.fromMe;
          const r = { id: jidOf(m.id), sendMsgResult: ok, isRevoked: false, isDeleted: false, isSentByMe: mine };
          if (m.type === "revoked" && revoke) {
            Object.assign(r, { sendMsgResult: "ERROR_UNKNOWN", isRevoked: true });
          } else if (revoke && mine) {
            await act({ type: "revoke", msg: r.id });
            r.isRevoked = true;
          } else {
            await act({ type: "delete", msg: r.id });
            models.delete(r.id);
            r.isDeleted = true;
          }
          out.push(r);
        }
        return Array.isArray(ids) ? out : out[0];
      }),
      forwardMessages: async (toChatId, msgsId) => {
        const jid = chatJid(toChatId);
        const out = [];
        for (const id of msgsId) {
          const m = await byId(id);
          const fields = {
            type: m.type,
            body: m.type === "chat" ? m.body : "",
            caption: m.caption,
            mimetype: m.mimetype,
            filename: m.filename,
            forwarded: true,
            media: m.__media || void 0
          };
          if (m.lat !== void 0) {
            const loc = String(m.loc || "").split("\n");
            fields.location = { lat: m.lat, lng: m.lng, name: loc[0], address: loc.slice(1).join("\n") };
          }
          if (m.type === "vcard") fields.vcards = [{ displayName: m.vcardFormattedName, vcard: m.body }];
          if (m.type === "multi_vcard") fields.vcards = m.vcardList;
          out.push(await send(jid, fields, null, {}));
        }
        return out;
      },
      starMessage: (async (ids, star = true) => {
        const one = async (id) => {
          await act({ type: star ? "star" : "unstar", msg: jidOf(id) });
          const m = models.get(jidOf(id));
          if (m) m.star = !!star;
          return { id: jidOf(id), star: !!star };
        };
        return Array.isArray(ids) ? Promise.all(ids.map(one)) : one(ids);
      }),
      pinMsg: async (msgId, pin = true, duration = "SevenDays") => {
        if (typeof pin !== "boolean") throw new WPPError("invalid_pin_parameter", "The 'pin' parameter must be a boolean.");
        const d = typeof duration === "string" && PIN_DURATIONS.includes(duration) ? duration : "SevenDays";
        const m = await byId(msgId);
        await act({ type: pin ? "pin" : "unpin", msg: jidOf(m.id), value: pin ? d : "" });
        return { message: m, pinned: pin, result: ok };
      },
      getVotes: async (id) => {
        const r = await sim2.request({ t: "query", q: "votes", msg: jidOf(id) });
        const v = r.msg;
        const poll = v.poll || { options: [] };
        return { msgId: msgKey(v.id), chatId: widOf(v.chat_id), votes: Object.entries(v.votes || {}).map(([sender, idx]) => ({ selectedOptions: selected(poll, idx), timestamp: Date.now(), sender: widOf(sender) })) };
      },
      markPlayed: async (id) => {
        const m = await byId(id);
        await act({ type: "played", msg: jidOf(m.id) });
        return m;
      },
      markIsRead: async (chatId) => {
        const jid = chatJid(chatId);
        await act({ type: "seen", chat: jid });
        return { wid: widOf(jid), unreadCount: 0 };
      },
      // The duration only decides when WhatsApp stops showing the state.
      markIsComposing: async (chatId) => {
        await act({ type: "chatstate", chat: chatJid(chatId), value: "composing" });
      },
      markIsRecording: async (chatId) => {
        await act({ type: "chatstate", chat: chatJid(chatId), value: "recording" });
      },
      markIsPaused: async (chatId) => {
        await act({ type: "chatstate", chat: chatJid(chatId), value: "paused" });
      }
    };
    const subscribePresence = async (ids) => {
      const list = (Array.isArray(ids) ? ids : [ids]).map(jidOf);
      await act({ type: "subscribe", chats: list });
      return list.map(widOf);
    };
    const markAvailable = async (available = true) => {
      await act({ type: "presence", value: available ? "available" : "unavailable" });
      return true;
    };
    sim2.handlers.reaction = (m) => {
      const r = m.reaction;
      queueMicrotask(() => emit("chat.new_reaction", {
        id: msgKey(r.id),
        msgId: msgKey(r.msg),
        reactionText: r.text,
        read: false,
        sender: widOf(r.sender),
        orphan: 0,
        orphanReason: null,
        timestamp: r.t
      }));
    };
    sim2.handlers.edit = (m) => {
      const v = m.msg;
      const msg = models.get(v.id);
      if (!msg) return;
      if (v.type === "chat") msg.body = v.body;
      else msg.caption = v.caption;
      Object.assign(msg, { latestEditMsgKey: msgKey(v.id), latestEditSenderTimestampMs: Date.now() });
      queueMicrotask(() => emit("chat.msg_edited", { chat: msg.to, id: jidOf(msg.id), msg }));
    };
    sim2.handlers.vote = async (m) => {
      const v = m.vote;
      const poll = await byId(v.msg);
      const selectedOptions = [];
      for (const i of v.options) selectedOptions[i] = poll.pollOptions.filter((o) => o.localId == i)[0];
      emit("chat.poll_response", { msgId: msgKey(v.msg), chatId: widOf(v.chat), selectedOptions, timestamp: v.t, sender: widOf(v.sender) });
    };
    sim2.handlers.presence = (m) => {
      const p = m.presence;
      queueMicrotask(() => emit("chat.presence_change", {
        id: widOf(p.id),
        isOnline: p.online,
        isGroup: false,
        isUser: true,
        shortName: "",
        state: p.state,
        t: p.t,
        isContact: true
      }));
    };
    return { content, context, fileFields, chat, subscribePresence, markAvailable };
  }

  // internal/wasim/ts/chat.ts
  function start() {
    const sim2 = sim();
    if (!sim2) return;
    const st = sim2.state;
    const { emit, WPPError } = sim2;
    const WPP = sim2.wpp;
    const jidOf = (x) => String(x && x._serialized || x || "");
    function key(fromMe, remote, id) {
      const s = `${fromMe}_${remote}_${id}`;
      const k = {
        fromMe,
        remote: widOf(remote),
        id,
        _serialized: s,
        toString: () => s,
        equals: (o) => !!o && jidOf(o) === s
      };
      return k;
    }
    function msgKey(serialized) {
      const s = String(serialized);
      const first = s.indexOf("_");
      const last = s.lastIndexOf("_");
      return key(s.slice(0, first) === "true", s.slice(first + 1, last), s.slice(last + 1));
    }
    const models = /* @__PURE__ */ new Map();
    const MEDIA = /* @__PURE__ */ new Set(["image", "video", "ptv", "audio", "ptt", "document", "sticker"]);
    const chats = /* @__PURE__ */ new Map();
    function model(v, isNew) {
      const old = models.get(v.id);
      if (old) {
        old.ack = Math.max(Number(old.ack || 0), v.ack_code);
        return old;
      }
      const isMedia = MEDIA.has(v.type);
      const fields = {
        id: msgKey(v.id),
        from: widOf(v.from),
        to: widOf(v.to),
        author: void 0,
        type: v.type,
        body: v.type === "chat" ? v.body : "",
        caption: v.caption,
        mimetype: v.mimetype,
        filename: v.filename,
        size: v.size,
        t: v.timestamp,
        ack: v.ack_code,
        isNewMsg: isNew
      };
      const m = Object.assign(fields, { isMedia, __media: v.media_id || "" });
      if (isMedia) Object.assign(m, { mediaData: { mimetype: v.mimetype, size: v.size, mediaStage: v.media_id ? "RESOLVED" : "UPLOADING" } });
      Object.defineProperty(m, "__media", { value: v.media_id || "", writable: true, enumerable: false });
      more.content(m, v);
      models.set(v.id, m);
      noteChat(v.chat_id, "", v.timestamp);
      return m;
    }
    function noteChat(jid, name, t) {
      let c = chats.get(jid);
      if (!c) {
        const group = jid.endsWith("@g.us");
        const fields = {
          id: widOf(jid),
          name: name || void 0,
          formattedTitle: name || "+" + jid.split("@")[0],
          t,
          unreadCount: 0,
          isGroup: group,
          isUser: !group,
          archive: false,
          isReadOnly: false
        };
        c = fields;
        chats.set(jid, c);
      }
      if (name) {
        c.name = name;
        c.formattedTitle = name;
      }
      if (t > Number(c.t || 0)) c.t = t;
      return c;
    }
    function me() {
      const w = WPP.conn.getMyUserId();
      if (!w) throw new WPPError("not_authenticated", "Not authenticated");
      return w;
    }
    function chatJid(chatId) {
      const jid = jidOf(chatId);
      if (!/^([1-9][0-9]{5,14}@c\.us|[0-9]{6,20}@lid|[0-9]{6,20}(-[0-9]{6,12})?@g\.us)$/.test(jid)) {
        throw new WPPError("invalid_chat_id", `Invalid chat ${jid}`);
      }
      return jid;
    }
    function newKey() {
      const b = new Uint8Array(8);
      crypto.getRandomValues(b);
      return "3EB0" + Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("").toUpperCase();
    }
    function changeAck(m, ack) {
      m.ack = ack;
      if (ack === 1) queueMicrotask(() => emit("chat.msg_ack_change", { ack, chat: m.to, ids: [m.id] }));
    }
    async function send(jid, fields, upload, options) {
      const wait = !options || options.waitForAck !== false;
      const k = newKey();
      const v = {
        id: `true_${jid}_${k}`,
        key: k,
        seq: 0,
        chat_id: jid,
        from: jidOf(me()),
        to: jid,
        from_me: true,
        timestamp: Math.floor(Date.now() / 1e3),
        ack_code: 0,
        type: String(fields.type),
        ...fields
      };
      const m = model(v, true);
      emit("chat.new_message", m);
      const deliver = (async () => {
        try {
          const media = upload ? await upload() : {};
          const r = await sim2.request({ t: "send", send: { key: k, to: jid, ...fields, ...media } });
          const got = r.msg;
          m.t = got.timestamp;
          if (got.media_id) {
            m.__media = got.media_id;
            Object.assign(m, { size: got.size, mediaData: { mimetype: got.mimetype, size: got.size, mediaStage: "RESOLVED" } });
          }
          changeAck(m, got.ack_code);
          return { messageSendResult: "OK" };
        } catch (e) {
          console.warn("wasim: send", e);
          m.ack = -1;
          return { messageSendResult: "ERROR_NETWORK" };
        }
      })();
      let sendMsgResult = null;
      if (wait) sendMsgResult = await deliver;
      return { id: v.id, from: v.from, to: jid, ack: Number(m.ack), sendMsgResult };
    }
    const sendTextMessage = async (chatId, content, options = {}) => send(chatJid(chatId), { type: "chat", body: String(content), ...await more.context(options) }, null, options);
    function dataURLToBlob(s, mimetype) {
      const m = /^data:([^;,]*)(;base64)?,(.*)$/s.exec(s);
      const type = mimetype || m && m[1] || "application/octet-stream";
      const bin = atob(m ? m[3] : s);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      return new Blob([bytes], { type });
    }
    function typeFor(mimetype) {
      if (/^image\//.test(mimetype) && mimetype !== "image/webp") return "image";
      if (/^video\//.test(mimetype)) return "video";
      if (/^audio\//.test(mimetype)) return "audio";
      return "document";
    }
    function creds() {
      if (!st.creds) throw new WPPError("not_authenticated", "Not authenticated");
      return { "X-WASim-Device": st.creds.device_id, "X-WASim-Secret": st.creds.secret };
    }
    const sendFileMessage = async (chatId, content, options) => {
      const o = { ...options };
      const jid = chatJid(chatId);
      const blob = content instanceof Blob ? content : dataURLToBlob(String(content), o.mimetype);
      const mimetype = o.mimetype || blob.type || "application/octet-stream";
      const filename = o.filename || (content instanceof File ? content.name : "") || "file";
      const type = !o.type || o.type === "auto-detect" ? typeFor(mimetype) : o.type;
      const fields = {
        caption: type === "sticker" ? "" : o.caption || filename,
        mimetype,
        filename,
        ...more.fileFields(type, o),
        ...await more.context(options)
      };
      const upload = async () => {
        const r = await fetch("/__page/media", { method: "POST", headers: { "Content-Type": mimetype, ...creds() }, body: blob });
        if (!r.ok) throw new WPPError("media_upload_failed", `upload failed: ${r.status} ${await r.text()}`);
        return { media: (await r.json()).media };
      };
      return send(jid, fields, upload, o);
    };
    const query = (q) => sim2.request({ t: "query", ...q });
    const list = async (options = {}) => {
      const r = await query({ q: "chats" });
      let out = (r.chats || []).map((c) => {
        const m = noteChat(c.id, c.name, c.timestamp);
        m.unreadCount = c.unread_count;
        return m;
      });
      if (options.onlyUsers) out = out.filter((c) => c.isUser);
      if (options.onlyGroups) out = out.filter((c) => c.isGroup);
      if (options.onlyWithUnreadMessage) out = out.filter((c) => c.unreadCount > 0);
      if (options.count !== void 0 && options.count > 0) out = out.slice(0, options.count);
      return out;
    };
    const get = (chatId) => chats.get(jidOf(chatId));
    const getMessages = async (chatId, options = {}) => {
      const count = options.count === -1 ? 0 : options.count || 20;
      if (options.direction === "after") throw new WPPError("not_supported", "direction after is not simulated");
      const r = await query({ q: "messages", chat: jidOf(chatId), count, before: options.id || "" });
      return (r.msgs || []).map((v) => JSON.parse(JSON.stringify(model(v, false))));
    };
    async function byId(id) {
      const m = models.get(jidOf(id));
      if (m) return m;
      const r = await query({ q: "message", msg: jidOf(id) });
      return model(r.msg, false);
    }
    const getMessageById = (async (id) => Array.isArray(id) ? Promise.all(id.map(byId)) : byId(id));
    const downloadMedia = async (id) => {
      const m = await byId(id);
      if (!m.__media) throw new WPPError("message_not_contains_media", `Message ${jidOf(id)} not contains media`);
      const r = await fetch("/__page/media/" + encodeURIComponent(m.__media), { headers: creds() });
      if (!r.ok) throw new WPPError("media_not_found", "Media not found");
      return r.blob();
    };
    const contactList = async (options = {}) => {
      const r = await query({ q: "contacts" });
      let cs = (r.contacts || []).map((c) => {
        const fields = {
          id: widOf(c.id),
          name: c.name || void 0,
          pushname: c.push_name || void 0,
          shortName: c.name || void 0,
          isMyContact: !!c.name,
          isUser: true,
          isGroup: false,
          isBusiness: false
        };
        return fields;
      });
      if (options.onlyMyContacts) cs = cs.filter((c) => c.isMyContact);
      return cs;
    };
    const getPnLidEntry = async (contactId) => {
      const jid = jidOf(contactId);
      const r = await query({ q: "pnlid", chat: jid });
      const out = {};
      const part = (s) => ({ id: s.split("@")[0], server: s.split("@")[1], _serialized: s });
      if (r.lid) out.lid = part(r.lid);
      if (r.phone) out.phoneNumber = part(r.phone);
      return out;
    };
    const more = actions({ sim: sim2, jidOf, msgKey, models, me, chatJid, newKey, send, byId });
    sim2.handlers.message = (m) => {
      const v = m.msg;
      const known = models.has(v.id);
      const msg = model(v, true);
      if (!known) emit("chat.new_message", msg);
      sim2.send({ t: "received", seq: v.seq });
    };
    sim2.handlers.ack = (m) => {
      const ack = Number(m.ack);
      const chat = String(m.chat);
      const ids = m.ids || [];
      const keys = [];
      for (const id of ids) {
        const msg = models.get(id);
        if (ack === 1) {
          if (msg) changeAck(msg, 1);
          continue;
        }
        if (msg) msg.ack = ack;
        if (ack >= 2) keys.push(key(true, chat, msgKey(id).id));
      }
      if (keys.length) queueMicrotask(() => emit("chat.msg_ack_change", { ack, chat: widOf(chat), ids: keys }));
    };
    sim2.handlers.revoke = (m) => {
      const v = m.msg;
      const msg = models.get(v.id);
      if (msg) {
        msg.type = "revoked";
        msg.body = "";
        msg.caption = void 0;
      }
      emit("chat.msg_revoke", { author: void 0, from: widOf(v.from), to: widOf(v.to), id: msgKey(String(m.rid)), refId: msgKey(v.id), type: "revoke" });
    };
    WPP.on("conn.stream_mode_changed", (mode) => {
      if (mode === "MAIN") list().catch((e) => console.warn("wasim: chats", e));
    });
    WPP.chat = { get, list, sendTextMessage, sendFileMessage, getMessages, getMessageById, downloadMedia, ...more.chat };
    WPP.contact = { list: contactList, getPnLidEntry, subscribePresence: more.subscribePresence };
    sim2.markAvailable = more.markAvailable;
  }
  start();
})();
