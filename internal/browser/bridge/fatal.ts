// fatal.ts — the causes that end a session FAILED: WhatsApp will not serve
// this account, or this WhatsApp Web build (docs/bridge.md, "fatal").

/** Fatal is the payload of the fatal event: the session cannot go on. */
export interface Fatal {
  reason: 'account_blocked' | 'update_required';
  stream_mode: string;
  detail: string;
}

// Stream modes in which WhatsApp will not serve this account or this
// WhatsApp Web build; the session ends FAILED with a detail a person can act on.
export const FATAL_MODES: Record<string, Fatal> = {
  PROXYBLOCK: {
    reason: 'account_blocked', stream_mode: 'PROXYBLOCK',
    detail: 'WhatsApp refuses connections from this network (PROXYBLOCK): the server\'s IP address or proxy is blocked. Use another network or proxy, then start the session again.',
  },
  TOS_BLOCK: {
    reason: 'account_blocked', stream_mode: 'TOS_BLOCK',
    detail: 'WhatsApp banned this account for breaking its Terms of Service (TOS_BLOCK). Open WhatsApp on the phone to see the notice and request a review; start the session again once it is lifted.',
  },
  SMB_TOS_BLOCK: {
    reason: 'account_blocked', stream_mode: 'SMB_TOS_BLOCK',
    detail: 'WhatsApp banned this business account for breaking its Business Terms of Service (SMB_TOS_BLOCK). Open WhatsApp Business on the phone to request a review; start the session again once it is lifted.',
  },
  DEPRECATED_VERSION: {
    reason: 'update_required', stream_mode: 'DEPRECATED_VERSION',
    detail: 'WhatsApp no longer accepts this WhatsApp Web version (DEPRECATED_VERSION). Restart the session so WhatsApp Web loads its current version; if it persists, update easy-api (and its pinned @wppconnect/wa-js).',
  },
};

export const NEEDS_UPDATE: Fatal = {
  reason: 'update_required', stream_mode: '',
  detail: 'WhatsApp Web asks to be updated (conn.needs_update). Restart the session so it loads the current version; if it persists, update easy-api (and its pinned @wppconnect/wa-js).',
};
