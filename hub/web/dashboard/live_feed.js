// The live WebSocket (docs/api.md, "WebSocket"): subscribes, remembers the hub's epoch and the last offset of
// every stream, and on any disconnect reconnects with backoff (1, 2, 4 ... 30 s) and resumes from those
// offsets, so nothing is missed or shown twice. A "resync" (too far behind, or the hub's numbering changed)
// asks the page to reload its state from the HTTP API.
import { backoffSeconds } from './backoff.js';

export const CLOSE_TOKEN_EXPIRED = 4001;
export const CLOSE_TOO_SLOW = 4008;

export class LiveFeed {
  // handlers: onEvent(msg), onResync(msg), onState(state, detail), onTokenExpired()
  constructor({ token, fleets, handlers }) {
    this.token = token;
    this.fleets = fleets;
    this.handlers = handlers;
    this.epoch = null;
    this.offsets = {};
    this.attempt = 0;
    this.socket = null;
    this.timer = null;
    this.stopped = false;
    this.nextRetryAt = 0;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.socket) this.socket.close(1000, 'page closed');
  }

  url() {
    const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${scheme}//${window.location.host}/ws?access_token=${encodeURIComponent(this.token)}`;
  }

  connect() {
    clearTimeout(this.timer);
    this.handlers.onState('connecting', this.attempt ? `attempt ${this.attempt + 1}` : '');
    const ws = new WebSocket(this.url());
    this.socket = ws;
    ws.onmessage = (ev) => this.receive(ev.data);
    ws.onclose = (ev) => this.closed(ws, ev);
    // onerror is always followed by onclose, which schedules the retry.
  }

  receive(text) {
    let msgs;
    try { msgs = JSON.parse(text); } catch { return; }
    if (!Array.isArray(msgs)) msgs = [msgs];
    for (const m of msgs) this.handle(m);
  }

  handle(m) {
    switch (m.type) {
      case 'hello': {
        const sub = { type: 'subscribe', fleets: this.fleets };
        // Resume only within the same numbering; a new epoch means the hub's offsets started over.
        if (this.epoch && this.epoch === m.epoch && Object.keys(this.offsets).length) {
          sub.epoch = this.epoch;
          sub.resume = this.offsets;
        }
        const resuming = Boolean(sub.resume);
        if (this.epoch && this.epoch !== m.epoch) {
          this.offsets = {};
          this.handlers.onResync({ reason: 'the hub restarted with new event numbering' });
        }
        this.epoch = m.epoch;
        this.socket.send(JSON.stringify(sub));
        this.handlers.onState('subscribing', resuming ? 'resuming' : '');
        break;
      }
      case 'subscribed':
        this.attempt = 0;
        // Streams not resumed start at the hub's current offset.
        for (const [stream, off] of Object.entries(m.offsets || {}))
          if (!(stream in this.offsets)) this.offsets[stream] = off;
        this.handlers.onState('live', '');
        break;
      case 'event': {
        const last = this.offsets[m.stream];
        if (last !== undefined && m.offset <= last) return;  // already shown
        this.offsets[m.stream] = m.offset;
        this.handlers.onEvent(m);
        break;
      }
      case 'resync':
        this.offsets[m.stream] = m.offset;
        this.handlers.onResync(m);
        break;
      case 'error':
        this.handlers.onState('error', m.error);
        break;
      default:
        break;
    }
  }

  closed(ws, ev) {
    if (ws !== this.socket) return;
    this.socket = null;
    if (this.stopped) return;
    if (ev.code === CLOSE_TOKEN_EXPIRED) {
      this.handlers.onState('down', 'token expired');
      this.handlers.onTokenExpired();
      return;
    }
    const delay = backoffSeconds(this.attempt);
    this.attempt += 1;
    this.nextRetryAt = Date.now() + delay * 1000;
    const why = ev.reason || (ev.code === 1006 ? 'connection lost' : `closed (${ev.code})`);
    this.handlers.onState('down', `${why}; retrying in ${delay} s`);
    this.timer = setTimeout(() => this.connect(), delay * 1000);
  }
}
