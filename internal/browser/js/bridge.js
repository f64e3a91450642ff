// Code generated from internal/browser/bridge/bridge.ts by `go generate ./internal/browser/bridge`; DO NOT EDIT.
"use strict";
(() => {
  // internal/browser/bridge/actions.ts
  var sendOptions = { createChat: true, waitForAck: true, detectMentioned: false, markIsRead: false, linkPreview: false };
  var KINDS = {
    chat: "text",
    image: "image",
    video: "video",
    ptv: "video",
    audio: "audio",
    ptt: "voice",
    document: "document",
    sticker: "sticker",
    location: "location",
    vcard: "contacts",
    multi_vcard: "contacts",
    poll_creation: "poll",
    revoked: "revoked"
  };
  var STATES = {
    composing: "typing",
    recording: "recording",
    paused: "paused",
    available: "available",
    unavailable: "unavailable"
  };
  function ser(x) {
    if (x == null) return "";
    const s = x._serialized;
    return String(s !== void 0 ? s : x);
  }
  function str(x) {
    return x == null ? "" : String(x);
  }
  function remoteOf(key) {
    if (key && typeof key === "object" && "remote" in key) return ser(key.remote);
    const parts = ser(key).split("_");
    return parts.length >= 3 ? parts[1] : "";
  }
  function refusal(code, text) {
    return Object.assign(new Error(text), { code });
  }
  function quotedId(m, myId) {
    const x = m;
    if (x.quotedMsgId) return ser(x.quotedMsgId);
    if (!x.quotedStanzaID) return "";
    const remote = ser(x.quotedRemoteJid) || remoteOf(x.id);
    return (ser(x.quotedParticipant) === myId ? "true_" : "false_") + remote + "_" + str(x.quotedStanzaID);
  }
  function detail(m, myId) {
    const x = m;
    const type = str(x.type);
    const d = {
      kind: KINDS[type] || "other",
      quoted_id: quotedId(m, myId),
      mentions: (x.mentionedJidList || []).map(ser),
      view_once: !!x.isViewOnce,
      gif: !!x.isGif,
      size: Number(x.size || 0),
      edited: !!x.latestEditMsgKey,
      starred: !!x.star,
      forwarded: !!x.isForwarded
    };
    if (type === "location") {
      const loc = str(x.loc).split("\n");
      d.location = {
        latitude: Number(x.lat),
        longitude: Number(x.lng),
        name: loc[0] || "",
        address: loc.slice(1).join("\n"),
        url: str(x.clientUrl)
      };
    } else if (type === "vcard") {
      d.contacts = [{ name: str(x.vcardFormattedName), vcard: str(x.body) }];
    } else if (type === "multi_vcard") {
      d.contacts = (x.vcardList || []).map((v) => ({ name: str(v.displayName), vcard: str(v.vcard) }));
    } else if (type === "poll_creation") {
      d.poll = {
        name: str(x.pollName),
        options: (x.pollOptions || []).map((o) => str(o.name)),
        selectable_count: Number(x.pollSelectableOptionsCount || 0)
      };
    }
    return d;
  }
  function shared(args) {
    const o = {};
    if (args.reply_to) o.quotedMsg = String(args.reply_to);
    if (Array.isArray(args.mentions) && args.mentions.length) o.mentionedList = args.mentions.map(String);
    return o;
  }
  function textOptions(args) {
    return { ...sendOptions, ...shared(args), linkPreview: !!args.link_preview };
  }
  function fileOptions(args, mimetype) {
    const base = {
      ...sendOptions,
      ...shared(args),
      mimetype,
      filename: str(args.filename) || void 0,
      caption: str(args.caption) || void 0
    };
    const once = !!args.view_once;
    switch (str(args.kind)) {
      case "image":
        return { ...base, type: "image", isViewOnce: once };
      case "video":
        return { ...base, type: "video", isGif: !!args.gif, isPtv: !!args.round, isViewOnce: once };
      case "audio":
        return { ...base, type: "audio", isPtt: false };
      case "voice":
        return { ...base, type: "audio", isPtt: true, isViewOnce: once };
      case "document":
        return { ...base, type: "document" };
      case "sticker":
        return { ...base, type: "sticker", caption: void 0 };
    }
    return { ...base, type: "auto-detect" };
  }
  function opt(args) {
    return { ...sendOptions, ...shared(args) };
  }
  function pollOptions(list) {
    return (list || []).filter((o) => !!o && typeof o === "object").map((o) => ({ index: Number(o.localId), name: str(o.name) }));
  }
  var ACTION_CALLS = {
    sendLocation: true,
    sendContacts: true,
    sendPoll: true,
    getMessage: true,
    react: true,
    edit: true,
    deleteMessage: true,
    forward: true,
    star: true,
    pin: true,
    getVotes: true,
    markPlayed: true,
    markSeen: true,
    chatState: true,
    setPresence: true,
    subscribePresence: true
  };
  function actions(h) {
    const { w, need } = h;
    const calls = {
      sendLocation: async (args) => {
        const chat = await h.chatFor(need(args, "chat_id"));
        const l = args.location || {};
        const r = await w.chat.sendLocationMessage(chat, {
          ...opt(args),
          lat: Number(l.latitude),
          lng: Number(l.longitude),
          name: str(l.name) || void 0,
          address: str(l.address) || void 0,
          url: str(l.url) || void 0
        });
        return h.sent(r, chat, { type: "location" });
      },
      sendContacts: async (args) => {
        const chat = await h.chatFor(need(args, "chat_id"));
        let r;
        if (Array.isArray(args.contacts)) {
          const list = args.contacts.map((c) => ({ id: String(c.id), name: String(c.name) }));
          r = await w.chat.sendVCardContactMessage(chat, list, opt(args));
        } else {
          const cards = (args.vcards || []).map((c) => ({ displayName: str(c.name), vcard: str(c.vcard) }));
          const raw = cards.length === 1 ? { type: "vcard", body: cards[0].vcard, vcardFormattedName: cards[0].displayName } : { type: "multi_vcard", vcardList: cards };
          r = await w.chat.sendRawMessage(chat, raw, opt(args));
        }
        return h.sent(r, chat, {});
      },
      sendPoll: async (args) => {
        const chat = await h.chatFor(need(args, "chat_id"));
        const p = args.poll || {};
        const r = await w.chat.sendCreatePollMessage(
          chat,
          str(p.name),
          (p.options || []).map(String),
          { ...opt(args), selectableCount: Number(p.selectable_count || 0) }
        );
        return h.sent(r, chat, { type: "poll_creation" });
      },
      getMessage: async (args) => h.shape(await w.chat.getMessageById(need(args, "id"))),
      react: async (args) => {
        const r = await w.chat.sendReactionToMessage(need(args, "id"), str(args.reaction) || false);
        if (r && r.sendMsgResult && str(r.sendMsgResult) !== "OK") {
          throw refusal("reaction_not_allowed", "WhatsApp answered " + str(r.sendMsgResult));
        }
        return true;
      },
      edit: async (args) => {
        const id = need(args, "id");
        const o = {};
        if (Array.isArray(args.mentions) && args.mentions.length) o.mentionedList = args.mentions.map(String);
        await w.chat.editMessage(id, need(args, "text"), o);
        return h.shape(await w.chat.getMessageById(id));
      },
      deleteMessage: async (args) => {
        const id = need(args, "id");
        const chat = remoteOf(id);
        if (args.revoke && !id.startsWith("true_") && !chat.endsWith("@g.us")) {
          throw refusal("revoke_not_allowed", "only messages you sent can be deleted for everyone; delete it for=me");
        }
        const res = await w.chat.deleteMessage(chat, id, false, !!args.revoke);
        const r = Array.isArray(res) ? res[0] : res;
        if (args.revoke && !r.isRevoked) throw refusal("revoke_not_allowed", `WhatsApp did not delete ${id} for everyone`);
        return { id: str(r.id), revoked: !!r.isRevoked, deleted: !!r.isDeleted || !!r.isRevoked };
      },
      forward: async (args) => {
        const id = need(args, "id");
        const out = [];
        for (const c of args.chat_ids || []) {
          const chat = await h.chatFor(String(c));
          const r = await w.chat.forwardMessages(chat, [id]);
          const first = Array.isArray(r) ? r[0] : null;
          out.push({ chat_id: String(c), id: first && first.id ? ser(first.id) : "" });
        }
        return out;
      },
      star: async (args) => !!await w.chat.starMessage(need(args, "id"), !!args.star),
      pin: async (args) => {
        const pin = !!args.pin;
        const duration = pin ? str(args.duration) : void 0;
        const r = await w.chat.pinMsg(need(args, "id"), pin, duration);
        if (r.pinned !== pin) throw refusal(pin ? "pin_error" : "unpin_error", "WhatsApp answered " + str(r.result));
        return true;
      },
      getVotes: async (args) => {
        const v = await w.chat.getVotes(need(args, "id"));
        return { message_id: ser(v.msgId), chat_id: ser(v.chatId), votes: (v.votes || []).map((x) => ({ voter: ser(x.sender), selected: pollOptions(x.selectedOptions), timestamp: Number(x.timestamp || 0) })) };
      },
      markPlayed: async (args) => {
        await w.chat.markPlayed(need(args, "id"));
        return true;
      },
      markSeen: async (args) => {
        await w.chat.markIsRead(await h.chatFor(need(args, "chat_id")));
        return true;
      },
      chatState: async (args) => {
        const chat = await h.chatFor(need(args, "chat_id"));
        const d = Number(args.duration_ms || 0) || void 0;
        switch (str(args.state)) {
          case "typing":
            await w.chat.markIsComposing(chat, d);
            break;
          case "recording":
            await w.chat.markIsRecording(chat, d);
            break;
          default:
            await w.chat.markIsPaused(chat);
        }
        return true;
      },
      setPresence: async (args) => !!await w.conn.markAvailable(!!args.available),
      subscribePresence: async (args) => (await w.contact.subscribePresence((args.chat_ids || []).map(String))).map(ser)
    };
    return {
      calls,
      reaction: (e) => {
        const sender = ser(e.sender);
        return {
          id: ser(e.id),
          message_id: ser(e.msgId),
          chat_id: remoteOf(e.msgId),
          from: sender,
          from_me: sender === h.myId(),
          reaction: str(e.reactionText),
          timestamp: Number(e.timestamp || 0)
        };
      },
      edit: (e) => {
        const m = e.msg || {};
        const key = ser(m.id) || str(e.id);
        return {
          id: key,
          chat_id: remoteOf(m.id || key),
          from: ser(m.author) || ser(m.from),
          from_me: key.startsWith("true_"),
          body: str(m.type === "chat" ? m.body : m.caption),
          timestamp: Math.floor(Number(m.latestEditSenderTimestampMs || Date.now()) / 1e3)
        };
      },
      pollVote: (e) => ({
        message_id: ser(e.msgId),
        chat_id: ser(e.chatId) || remoteOf(e.msgId),
        voter: ser(e.sender),
        selected: pollOptions(e.selectedOptions),
        timestamp: Number(e.timestamp || 0)
      }),
      presence: (e) => ({
        chat_id: ser(e.id),
        is_group: !!e.isGroup,
        online: !!e.isOnline,
        state: STATES[str(e.state)] || str(e.state),
        participants: e.participants ? e.participants.map((p) => ({ id: str(p.id), state: STATES[str(p.state)] || str(p.state) })) : void 0,
        timestamp: Number(e.t || Date.now())
      })
    };
  }

  // internal/browser/bridge/emit.ts
  var binding = window.__easyEmit;
  function emit(type, data) {
    if (typeof binding !== "function") return;
    try {
      binding(JSON.stringify({ type, data: data === void 0 ? null : data }));
    } catch {
    }
  }
  function message(err) {
    if (err && typeof err.message === "string") return err.message;
    return String(err);
  }
  function report(err) {
    emit("error", { message: message(err) });
  }
  function guard(fn) {
    return (...args) => {
      try {
        fn(...args);
      } catch (err) {
        report(err);
      }
    };
  }
  function safe(fn, fallback) {
    try {
      const v = fn();
      return v === void 0 ? fallback : v;
    } catch {
      return fallback;
    }
  }

  // internal/browser/bridge/messaging.ts
  var SEEN_KEY = "easy-api:seen";
  var SEEN_MAX = 500;
  var LAST_KEY = "easy-api:last";
  var CATCHUP_PER_CHAT = 100;
  var ACKS_MAX = 2e3;
  var SKIP = {
    ciphertext: true,
    e2e_notification: true,
    notification_template: true,
    gp2: true,
    protocol: true,
    call_log: true,
    notification: true,
    broadcast_notification: true,
    revoked: true,
    group_notification: true
  };
  var NOT_FOUND = {
    chat_not_found: true,
    msg_not_found: true,
    message_not_found: true,
    message_not_contains_media: true,
    media_not_found: true
  };
  function ser2(x) {
    if (x == null) return "";
    const s = x._serialized;
    return String(s !== void 0 ? s : x);
  }
  function str2(x) {
    return x == null ? "" : String(x);
  }
  function keyParts(key) {
    const serialized = ser2(key);
    if (key && typeof key === "object" && "id" in key) {
      const k = key;
      return { fromMe: !!k.fromMe, remote: ser2(k.remote), id: str2(k.id), serialized };
    }
    const parts = serialized.split("_");
    if (parts.length < 3) return { fromMe: false, remote: "", id: serialized, serialized };
    return { fromMe: parts[0] === "true", remote: parts[1], id: parts[2], serialized };
  }
  function ackKey(key) {
    const k = keyParts(key);
    return (k.fromMe ? "true_" : "false_") + k.id;
  }
  var isUser = (jid) => /@(c\.us|lid)$/.test(jid);
  function messaging(w, me) {
    const stored = safe(() => JSON.parse(localStorage.getItem(SEEN_KEY) || "[]"), []);
    const seenOrder = Array.isArray(stored) ? stored.map(String) : [];
    const seen = new Set(seenOrder);
    const pendingOwn = /* @__PURE__ */ new Map();
    const lastAck = /* @__PURE__ */ new Map();
    const emitted = /* @__PURE__ */ new Set();
    const pnLid = /* @__PURE__ */ new Map();
    let queue = Promise.resolve();
    const myId = () => {
      const a = me();
      return a ? a.id : "";
    };
    const later = (fn) => {
      queue = queue.then(fn).catch(report);
    };
    function remember(id) {
      seen.add(id);
      seenOrder.push(id);
      while (seenOrder.length > SEEN_MAX) seen.delete(seenOrder.shift());
      safe(() => localStorage.setItem(SEEN_KEY, JSON.stringify(seenOrder)), void 0);
    }
    function noteAck(key, ack, id, chat) {
      lastAck.delete(key);
      lastAck.set(key, { ack, id, chat_id: chat });
      if (lastAck.size > ACKS_MAX) lastAck.delete(lastAck.keys().next().value);
    }
    function ids(jid) {
      if (!isUser(jid)) return Promise.resolve({ phone: "", lid: "" });
      const known = pnLid.get(jid);
      if (known) return Promise.resolve(known);
      return w.contact.getPnLidEntry(jid).then((e) => ({
        phone: e.phoneNumber ? ser2(e.phoneNumber).split("@")[0] : "",
        lid: e.lid ? ser2(e.lid) : ""
      }), () => ({ phone: "", lid: "" })).then((r) => {
        const out2 = {
          phone: r.phone || (jid.endsWith("@c.us") ? jid.split("@")[0] : ""),
          lid: r.lid || (jid.endsWith("@lid") ? jid : "")
        };
        if (out2.phone && out2.lid) pnLid.set(jid, out2);
        return out2;
      });
    }
    async function chatFor(jid) {
      if (!jid.endsWith("@c.us") || safe(() => w.chat.get(jid), void 0)) return jid;
      const lid = (await ids(jid)).lid;
      if (lid && safe(() => w.chat.get(lid), void 0)) return lid;
      return jid;
    }
    async function shapeMsg(m) {
      const k = keyParts(m.id);
      const type = str2(m.type);
      const chat = k.remote || (k.fromMe ? ser2(m.to) : ser2(m.from));
      const { phone, lid } = await ids(chat);
      return {
        id: k.serialized,
        chat_id: chat,
        from: ser2(m.author) || ser2(m.from),
        to: ser2(m.to),
        from_me: k.fromMe,
        type,
        body: type === "chat" ? str2(m.body) : "",
        caption: str2(m.caption),
        mimetype: str2(m.mimetype),
        filename: str2(m.filename),
        timestamp: Number(m.t || 0),
        ack: Number(m.ack || 0),
        phone,
        lid,
        ...detail(m, myId())
      };
    }
    function reportMessage(msg) {
      if (seen.has(msg.id) || emitted.has(msg.id)) return;
      emitted.add(msg.id);
      if (emitted.size > ACKS_MAX) emitted.delete(emitted.values().next().value);
      noteAck(ackKey(msg.id), msg.ack, msg.id, msg.chat_id);
      emit("message", msg);
    }
    function watermark() {
      return Number(safe(() => localStorage.getItem(LAST_KEY), 0)) || 0;
    }
    function commitSeen(args) {
      const ids2 = Array.isArray(args.ids) ? args.ids : [];
      ids2.forEach((id) => {
        if (!seen.has(String(id))) remember(String(id));
      });
      const t = Number(args.t || 0);
      if (t > watermark()) safe(() => localStorage.setItem(LAST_KEY, String(t)), void 0);
      return ids2.length;
    }
    async function catchUp(args) {
      const since = Number(args.since || 0) || watermark();
      if (since <= 0) return 0;
      const found = [];
      for (const c of await w.chat.list({ ignoreGroupMetadata: true })) {
        const msgs = await w.chat.getMessages(ser2(c.id), { count: CATCHUP_PER_CHAT, direction: "before" });
        for (const m of await Promise.all(msgs.map(shapeMsg))) {
          if (m.id && !SKIP[m.type] && m.timestamp >= since && !seen.has(m.id) && !(m.from_me && m.ack < 1)) found.push(m);
        }
      }
      found.sort((a, b) => a.timestamp - b.timestamp);
      later(() => {
        for (const m of found) {
          emitted.add(m.id);
          noteAck(ackKey(m.id), m.ack, m.id, m.chat_id);
          emit("message", m);
        }
      });
      return found.length;
    }
    function accepted(key, ack) {
      const pending = pendingOwn.get(key);
      if (!pending) return false;
      pendingOwn.delete(key);
      pending.ack = Math.max(pending.ack, ack);
      reportMessage(pending);
      return true;
    }
    function onNewMessage(m) {
      later(async () => {
        const msg = await shapeMsg(m);
        if (!msg.id || SKIP[msg.type]) return;
        if (msg.from_me && msg.ack < 1) {
          if (!seen.has(msg.id)) pendingOwn.set(ackKey(msg.id), msg);
          return;
        }
        reportMessage(msg);
      });
    }
    function onAckChange(e) {
      const ack = Number(e.ack);
      const keys = (e.ids || []).slice();
      later(() => {
        for (const k of keys) {
          const key = ackKey(k);
          if (ack >= 1 && accepted(key, ack)) continue;
          const last = lastAck.get(key);
          if (last !== void 0 && ack <= last.ack) continue;
          const id = last ? last.id : ser2(k);
          const chat = last ? last.chat_id : keyParts(k).remote || ser2(e.chat);
          noteAck(key, ack, id, chat);
          emit("ack", { id, chat_id: chat, ack });
        }
      });
    }
    function onRevoke(e) {
      later(() => {
        emit("revoke", {
          id: ser2(e.refId),
          revoke_id: ser2(e.id),
          chat_id: keyParts(e.refId).remote || ser2(e.from),
          from: ser2(e.from),
          to: ser2(e.to),
          author: ser2(e.author),
          type: str2(e.type) || "revoke",
          from_me: keyParts(e.refId).fromMe
        });
      });
    }
    async function shapeChat(c) {
      const id = ser2(c.id);
      const contact = c.contact || {};
      const { phone, lid } = await ids(id);
      return {
        id,
        name: str2(c.formattedTitle || c.name || contact.name || contact.pushname),
        is_group: !!(c.isGroup || /@g\.us$/.test(id)),
        unread_count: Number(c.unreadCount || 0),
        timestamp: Number(c.t || 0),
        phone,
        lid
      };
    }
    async function shapeContact(c) {
      const id = ser2(c.id);
      const { phone, lid } = await ids(id);
      return {
        id,
        name: str2(c.name),
        push_name: str2(c.pushname),
        is_my_contact: !!c.isMyContact,
        is_group: !!(c.isGroup || /@g\.us$/.test(id)),
        is_business: !!c.isBusiness,
        phone,
        lid
      };
    }
    async function sent(r, chat, fields) {
      const id = str2(r && r.id);
      if (!id) throw new Error("WhatsApp returned no message id");
      const key = ackKey(id);
      const result = r.sendMsgResult ? str2(r.sendMsgResult.messageSendResult) : "";
      if (result && result !== "OK") {
        pendingOwn.delete(key);
        later(() => {
          noteAck(key, -1, id, chat);
          emit("ack", { id, chat_id: chat, ack: -1 });
        });
        throw new Error(`send failed: WhatsApp reported ${result} for message ${id}`);
      }
      let msg = null;
      try {
        msg = await shapeMsg(await w.chat.getMessageById(id));
      } catch {
        msg = null;
      }
      if (!msg || !msg.id) {
        const mine = me();
        const { phone, lid } = await ids(chat);
        msg = Object.assign({
          id,
          chat_id: chat,
          from: mine ? mine.id : "",
          to: chat,
          from_me: true,
          type: "",
          body: "",
          caption: "",
          mimetype: "",
          filename: "",
          timestamp: Math.floor(Date.now() / 1e3),
          ack: 0,
          phone,
          lid,
          ...detail({ type: String(fields.type || "") }, myId())
        }, fields);
      }
      msg.ack = Math.max(msg.ack, Number(r.ack || 0));
      if (msg.ack < 1) {
        throw new Error(`not accepted: WhatsApp has not accepted message ${id} (ack ${msg.ack}); it may still go out, and message.sent reports it if it does`);
      }
      const ack = msg.ack;
      later(() => {
        accepted(key, ack);
      });
      return msg;
    }
    async function blobToBase64(blob) {
      const buf = new Uint8Array(await blob.arrayBuffer());
      const chunks = [];
      for (let i = 0; i < buf.length; i += 32768) {
        chunks.push(String.fromCharCode(...buf.subarray(i, i + 32768)));
      }
      return btoa(chunks.join(""));
    }
    function need(args, name) {
      const v = args[name];
      if (typeof v !== "string" || v === "") throw new Error(name + " is required");
      return v;
    }
    const calls = {
      sendText: async (args) => {
        const chat = await chatFor(need(args, "chat_id"));
        const text = need(args, "text");
        const r = await w.chat.sendTextMessage(chat, text, textOptions(args));
        return sent(r, chat, { type: "chat", body: text });
      },
      sendFile: async (args) => {
        const chat = await chatFor(need(args, "chat_id"));
        const data = need(args, "data");
        const mimetype = need(args, "mimetype");
        const opts = fileOptions(args, mimetype);
        const r = await w.chat.sendFileMessage(chat, "data:" + mimetype + ";base64," + data, opts);
        return sent(r, chat, { caption: str2(args.caption), mimetype, filename: str2(args.filename) });
      },
      listChats: async () => {
        const chats = await w.chat.list({ ignoreGroupMetadata: true });
        return Promise.all(chats.map(shapeChat));
      },
      getMessages: async (args) => {
        const chat = await chatFor(need(args, "chat_id"));
        const opts = { count: Number(args.limit) || 50, direction: "before" };
        if (args.before) opts.id = String(args.before);
        const msgs = await w.chat.getMessages(chat, opts);
        const shaped = await Promise.all(msgs.map(shapeMsg));
        return shaped.filter((m) => m.id && !SKIP[m.type]);
      },
      listContacts: async () => Promise.all((await w.contact.list()).map(shapeContact)),
      seen: async (args) => commitSeen(args),
      catchUp: async (args) => catchUp(args),
      downloadMedia: async (args) => {
        const id = need(args, "id");
        const m = await w.chat.getMessageById(id);
        const blob = await w.chat.downloadMedia(id);
        return {
          data: await blobToBase64(blob),
          mimetype: str2(m.mimetype) || blob.type || "application/octet-stream",
          filename: str2(m.filename),
          size: blob.size
        };
      }
    };
    const more = actions({ w, myId, need, chatFor, shape: shapeMsg, sent });
    Object.assign(calls, more.calls);
    const out = (type, shape) => later(() => {
      emit(type, shape());
    });
    return {
      onNewMessage,
      onAckChange,
      onRevoke,
      onReaction: (e) => out("reaction", () => more.reaction(e)),
      onEdited: (e) => out("edit", () => more.edit(e)),
      onPollResponse: (e) => out("poll_vote", () => more.pollVote(e)),
      onPresence: (e) => out("presence", () => more.presence(e)),
      call: async (name, args) => {
        try {
          return await calls[name](args);
        } catch (err) {
          throw pageError(err);
        }
      }
    };
  }
  var MESSAGING_CALLS = {
    sendText: true,
    sendFile: true,
    listChats: true,
    getMessages: true,
    listContacts: true,
    downloadMedia: true,
    seen: true,
    catchUp: true,
    ...ACTION_CALLS
  };
  function pageError(err) {
    const code = err && err.code;
    if (typeof code === "string" && NOT_FOUND[code]) return new Error("not_found: " + code + ": " + message(err));
    if (typeof code === "string" && /^[a-z0-9_]+$/.test(code)) return new Error("wa:" + code + ": " + message(err));
    return err;
  }

  // internal/browser/bridge/wpp.ts
  var USED = [
    "version",
    "isReady",
    "loader.onReady",
    "on",
    "conn.isAuthenticated",
    "conn.isRegistered",
    "conn.isIdle",
    "conn.isMultiDevice",
    "conn.needsUpdate",
    "conn.getStreamData",
    "conn.getAuthCode",
    "conn.refreshQR",
    "conn.startLinkDeviceCodeForPhoneNumber",
    "conn.cancelLinkDeviceCode",
    "conn.logout",
    "conn.getMyUserId",
    "conn.getPlatform",
    "conn.getBuildConstants",
    "conn.setKeepAlive",
    "profile.getMyProfileName",
    "chat.get",
    "chat.list",
    "chat.sendTextMessage",
    "chat.sendFileMessage",
    "chat.getMessages",
    "chat.getMessageById",
    "chat.downloadMedia",
    "contact.list",
    "contact.subscribePresence",
    "chat.sendLocationMessage",
    "chat.sendVCardContactMessage",
    "chat.sendRawMessage",
    "chat.sendCreatePollMessage",
    "chat.sendReactionToMessage",
    "chat.editMessage",
    "chat.deleteMessage",
    "chat.forwardMessages",
    "chat.starMessage",
    "chat.pinMsg",
    "chat.getVotes",
    "chat.markPlayed",
    "chat.markIsRead",
    "chat.markIsComposing",
    "chat.markIsRecording",
    "chat.markIsPaused",
    "conn.markAvailable",
    "contact.getPnLidEntry",
    "whatsapp.Socket.takeover"
  ];

  // internal/browser/bridge/bridge.ts
  var POLL_MS = 50;
  var RECHECK_MS = 1e3;
  var FATAL_MODES = {
    PROXYBLOCK: {
      reason: "account_blocked",
      stream_mode: "PROXYBLOCK",
      detail: "WhatsApp refuses connections from this network (PROXYBLOCK): the server's IP address or proxy is blocked. Use another network or proxy, then start the session again."
    },
    TOS_BLOCK: {
      reason: "account_blocked",
      stream_mode: "TOS_BLOCK",
      detail: "WhatsApp banned this account for breaking its Terms of Service (TOS_BLOCK). Open WhatsApp on the phone to see the notice and request a review; start the session again once it is lifted."
    },
    SMB_TOS_BLOCK: {
      reason: "account_blocked",
      stream_mode: "SMB_TOS_BLOCK",
      detail: "WhatsApp banned this business account for breaking its Business Terms of Service (SMB_TOS_BLOCK). Open WhatsApp Business on the phone to request a review; start the session again once it is lifted."
    },
    DEPRECATED_VERSION: {
      reason: "update_required",
      stream_mode: "DEPRECATED_VERSION",
      detail: "WhatsApp no longer accepts this WhatsApp Web version (DEPRECATED_VERSION). Restart the session so WhatsApp Web loads its current version; if it persists, update easy-api (and its pinned @wppconnect/wa-js)."
    }
  };
  var NEEDS_UPDATE = {
    reason: "update_required",
    stream_mode: "",
    detail: "WhatsApp Web asks to be updated (conn.needs_update). Restart the session so it loads the current version; if it persists, update easy-api (and its pinned @wppconnect/wa-js)."
  };
  var LEGACY_KEYS = ["WABrowserId", "WASecretBundle", "WAToken1", "WAToken2"];
  var LINKING_KEY = "easy-api:linking";
  function main() {
    if (window.top !== window || window.__easy) return;
    blockServiceWorkers();
    let WPP = null;
    let ready = false;
    let readyWaiters = [];
    let hasCode = false;
    let lastCode = null;
    let logoutReason = "";
    let lastState = "";
    let lastPhase = "";
    let lastConflict = false;
    let lastAuthenticated = false;
    let fatalSent = "";
    let phoneOnline = true;
    let lastPhone = true;
    let pairing = null;
    let msg = null;
    const wpp = () => {
      if (!WPP) throw new Error("WPP is not loaded");
      return WPP;
    };
    function multiDevice() {
      return safe(() => wpp().conn.isMultiDevice(), true) !== false;
    }
    function linking() {
      return safe(() => sessionStorage.getItem(LINKING_KEY), null) || "";
    }
    function setLinking(method) {
      safe(() => sessionStorage.setItem(LINKING_KEY, method), void 0);
    }
    function state() {
      if (!WPP || !ready) {
        return { phase: "loading", authenticated: false, stream_mode: "", percent: 0, phone_online: true, conflict: false };
      }
      const conn = WPP.conn;
      const sd = safe(() => conn.getStreamData(), null);
      const mode = String(sd && sd.mode || "");
      const info = String(sd && sd.info || "");
      const authenticated = !!safe(() => conn.isAuthenticated(), false);
      const registered = !!safe(() => conn.isRegistered(), false);
      const idle = !!safe(() => conn.isIdle(), false);
      let phase;
      if (FATAL_MODES[mode] || safe(() => conn.needsUpdate(), false)) {
        phase = "blocked";
      } else if (authenticated && mode === "MAIN") {
        phase = "ready";
      } else if (!authenticated && (hasCode || idle || mode === "QR")) {
        phase = "qr";
      } else if (registered && mode !== "SYNCING" && (info === "RESUMING" || info === "OPENING" || info === "CONNECTING")) {
        phase = "resuming";
      } else if (authenticated) {
        phase = "syncing";
      } else {
        phase = "loading";
      }
      const percent = phase === "ready" ? 100 : phase === "syncing" ? 50 : 0;
      return {
        phase,
        authenticated,
        stream_mode: mode,
        percent,
        phone_online: multiDevice() || phoneOnline,
        conflict: mode === "CONFLICT"
      };
    }
    function me() {
      if (!WPP || !ready) return null;
      const w = WPP;
      const wid = safe(() => w.conn.getMyUserId(), void 0);
      if (!wid) return null;
      const id = wid._serialized || String(wid);
      const phone = wid.user || id.split("@")[0];
      const name = safe(() => w.profile.getMyProfileName(), "") || "";
      const platform = safe(() => w.conn.getPlatform(), "") || "";
      return { id, phone, push_name: String(name), platform: String(platform), multi_device: multiDevice() };
    }
    function fatal(f) {
      const key = f.reason + ":" + f.stream_mode;
      if (fatalSent === key) return;
      fatalSent = key;
      emit("fatal", f);
    }
    function update() {
      const s = state();
      if (s.phase === "qr" && !linking()) setLinking(pairing ? "pairing" : "qr");
      if (s.authenticated && !lastAuthenticated && linking()) {
        emit("authenticated", { method: linking() === "pairing" ? "pairing" : "qr" });
        safe(() => sessionStorage.removeItem(LINKING_KEY), void 0);
      }
      lastAuthenticated = s.authenticated;
      const key = JSON.stringify(s);
      if (key === lastState) return;
      lastState = key;
      emit("state", s);
      if (s.phase === "ready" && lastPhase !== "ready") emit("ready", me());
      if (s.phase === "blocked") {
        fatal(FATAL_MODES[s.stream_mode] || NEEDS_UPDATE);
      }
      lastPhase = s.phase;
      if (s.conflict && !lastConflict) emit("conflict", {});
      lastConflict = s.conflict;
      if (s.phone_online !== lastPhone) emit("phone", { online: s.phone_online });
      lastPhone = s.phone_online;
    }
    function showCode(code) {
      const full = code ? String(code.fullCode) : null;
      hasCode = !!code;
      if (full === lastCode) return;
      lastCode = full;
      emit("qr", code ? { code: full } : null);
    }
    function pairingCodeOf(raw) {
      return String(raw || "").replace(/-/g, "");
    }
    function subscribe(w) {
      const after = (fn) => guard((...a) => {
        fn(...a);
        update();
      });
      w.on("conn.auth_code_change", after((code) => showCode(code)));
      w.on("conn.qrcode_idle", after(() => {
        hasCode = false;
        emit("qr_idle", {});
      }));
      w.on("conn.link_code_change", after((raw) => {
        const code = pairingCodeOf(raw);
        if (!pairing) return;
        if (pairing.inCall || code === pairing.last) {
          pairing.last = code;
          return;
        }
        pairing.last = code;
        emit("pairing_code", { code, phone: pairing.phone });
      }));
      w.on("conn.link_code_expired", after(() => {
        if (!pairing) return;
        emit("pairing_code_expired", { phone: pairing.phone });
        pairing = null;
      }));
      w.on("conn.link_code_error", after((err) => {
        if (!pairing || pairing.inCall) return;
        emit("pairing_code_error", { phone: pairing.phone, message: message(err) });
      }));
      w.on("conn.logout_reason", after((reason) => {
        logoutReason = reason == null ? "" : String(reason);
      }));
      w.on("conn.logout", guard(() => {
        setTimeout(guard(() => {
          emit("logout", { reason: logoutReason });
          update();
        }), 0);
      }));
      w.on("conn.online", after((online) => {
        phoneOnline = online !== false;
      }));
      w.on("conn.needs_update", after(() => fatal(NEEDS_UPDATE)));
      const m = messaging(w, me);
      msg = m;
      w.on("chat.new_message", guard((x) => m.onNewMessage(x)));
      w.on("chat.msg_ack_change", guard((e) => m.onAckChange(e)));
      w.on("chat.msg_revoke", guard((e) => m.onRevoke(e)));
      w.on("chat.new_reaction", guard((e) => m.onReaction(e)));
      w.on("chat.msg_edited", guard((e) => m.onEdited(e)));
      w.on("chat.poll_response", guard((e) => m.onPollResponse(e)));
      w.on("chat.presence_change", guard((e) => m.onPresence(e)));
      const tick = after(() => void 0);
      w.on("conn.main_loaded", tick);
      w.on("conn.main_ready", tick);
      w.on("conn.require_auth", tick);
      w.on("conn.stream_mode_changed", tick);
      w.on("conn.stream_info_changed", tick);
    }
    function onReady() {
      if (ready || !WPP) return;
      const w = WPP;
      ready = true;
      guard(subscribe)(w);
      safe(() => w.conn.setKeepAlive(true), false);
      update();
      Promise.resolve().then(() => safe(() => w.conn.isIdle(), false) ? null : w.conn.getAuthCode()).then((code) => {
        if (code && !safe(() => w.conn.isAuthenticated(), false)) {
          showCode(code);
          update();
        }
      }).catch(report);
      const waiters = readyWaiters;
      readyWaiters = [];
      waiters.forEach((resolve) => resolve());
      setInterval(guard(update), RECHECK_MS);
    }
    function attach(w) {
      WPP = w;
      if (w.isReady) {
        onReady();
        return;
      }
      w.loader.onReady(guard(onReady));
    }
    function waitWPP() {
      if (window.WPP) {
        attach(window.WPP);
        return;
      }
      const poll = setInterval(() => {
        if (window.WPP) {
          clearInterval(poll);
          guard(attach)(window.WPP);
        }
      }, POLL_MS);
    }
    function whenReady() {
      if (ready) return Promise.resolve();
      return new Promise((resolve) => readyWaiters.push(resolve));
    }
    function legacyTokens() {
      const out = {};
      for (const k of LEGACY_KEYS) {
        const v = safe(() => localStorage.getItem(k), null);
        if (v == null) return null;
        out[k] = v;
      }
      return out;
    }
    function waVersion() {
      const w = WPP;
      const bc = w ? safe(() => w.conn.getBuildConstants(), null) : null;
      if (bc && bc.VERSION_STR) return String(bc.VERSION_STR);
      const dbg = safe(() => window.Debug && window.Debug.VERSION, void 0);
      return dbg == null ? null : String(dbg);
    }
    function doctor() {
      const w = window.WPP;
      const present = {};
      for (const path of USED) {
        present[path] = safe(() => {
          let v = w;
          for (const part of path.split(".")) {
            v = v != null && (typeof v === "object" || typeof v === "function") ? v[part] : void 0;
          }
          return v !== void 0;
        }, false);
      }
      const sd = WPP ? safe(() => wpp().conn.getStreamData(), null) : null;
      return {
        wpp_loaded: !!w,
        wpp_version: w ? String(w.version || "") : "",
        is_ready: !!(w && w.isReady),
        wa_version: waVersion(),
        stream_mode: sd ? String(sd.mode || "") : "",
        functions: present
      };
    }
    const calls = {
      state: () => state(),
      qr: async () => {
        const w = wpp();
        if (w.conn.isIdle()) return null;
        const code = await w.conn.getAuthCode();
        return code ? { code: code.fullCode } : null;
      },
      refreshQR: () => {
        wpp().conn.refreshQR().catch(report);
        return true;
      },
      pairingCode: async (args) => {
        const phone = String(args.phone || "").replace(/[^0-9]/g, "");
        if (!phone) throw new Error("phone is required");
        const flow = { phone, inCall: true, last: "" };
        pairing = flow;
        setLinking("pairing");
        try {
          const code = pairingCodeOf(await wpp().conn.startLinkDeviceCodeForPhoneNumber(phone));
          flow.last = code;
          return { code };
        } catch (err) {
          if (pairing === flow) pairing = null;
          throw err;
        } finally {
          flow.inCall = false;
        }
      },
      logout: async () => {
        await wpp().conn.logout();
        return true;
      },
      me: () => me(),
      takeover: async () => {
        if (state().stream_mode !== "CONFLICT") return false;
        await wpp().whatsapp.Socket.takeover();
        return true;
      },
      legacyTokens: () => legacyTokens(),
      versions: () => ({ wpp: String(wpp().version || ""), wa: waVersion() }),
      doctor: () => doctor()
    };
    const EARLY = { state: true, legacyTokens: true, doctor: true };
    const easy = Object.freeze({
      // call runs one bridge call; see the table in docs/bridge.md.
      call: async (name, args) => {
        const a = args && typeof args === "object" ? args : {};
        const own = Object.prototype.hasOwnProperty.call(calls, name);
        if (!own && !messagingCall(name)) throw new Error("unknown call: " + name);
        if (!EARLY[name]) await whenReady();
        if (own) return await calls[name](a);
        if (!msg) throw new Error("bridge not subscribed");
        return await msg.call(name, a);
      },
      state
    });
    Object.defineProperty(window, "__easy", { value: easy, enumerable: false });
    emit("boot", { url: String(location.href), wpp: !!window.WPP });
    update();
    waitWPP();
  }
  function messagingCall(name) {
    return Object.prototype.hasOwnProperty.call(MESSAGING_CALLS, name);
  }
  function blockServiceWorkers() {
    const sw = navigator.serviceWorker;
    if (!sw) return;
    sw.getRegistrations().then((regs) => regs.forEach((r) => void r.unregister())).catch(() => null);
    safe(() => {
      sw.register = new Promise(() => void 0);
    }, void 0);
  }
  main();
})();
