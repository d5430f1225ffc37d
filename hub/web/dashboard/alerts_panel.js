// Open and acknowledged alerts, newest first, each with acknowledge and resolve (resolve needs a note).
// Every change arrives back over the live feed (the hub publishes each state change), so the panel shows
// the stored state, including changes made by other dispatchers.
import { el, enumName, timeText, num } from './format.js';

export class AlertsPanel {
  constructor(list, count, api, onError, canWrite) {
    this.list = list;
    this.count = count;
    this.api = api;
    this.onError = onError;
    this.canWrite = canWrite;
    this.alerts = new Map();  // alert_id -> Alert (JSON)
  }

  reset(alerts) {
    this.alerts.clear();
    for (const a of alerts || []) this.alerts.set(a.alert_id, a);
    this.render();
  }

  apply(alert) {
    if (!alert || !alert.alert_id) return;
    if (alert.state === 'ALERT_STATE_RESOLVED') this.alerts.delete(alert.alert_id);
    else this.alerts.set(alert.alert_id, alert);
    this.render();
  }

  async act(alert, action, note, item) {
    for (const b of item.querySelectorAll('button')) b.disabled = true;
    try {
      const updated = action === 'ack' ? await this.api.acknowledge(alert.alert_id, note)
                                       : await this.api.resolve(alert.alert_id, note);
      this.apply(updated);
    } catch (e) {
      this.onError(`${action === 'ack' ? 'Acknowledge' : 'Resolve'} failed: ${e.message}`);
      for (const b of item.querySelectorAll('button')) b.disabled = false;
    }
  }

  render() {
    const sorted = [...this.alerts.values()].sort((a, b) => num(b.opened_at_ms) - num(a.opened_at_ms));
    this.count.textContent = `(${sorted.length})`;
    this.list.replaceChildren(...sorted.map((a) => this.item(a)));
  }

  item(a) {
    const state = enumName(a.state, 'ALERT_STATE_') || 'open';
    const severity = enumName(a.severity, 'SEVERITY_') || 'unspecified';
    const li = el('li', { class: `sev-${severity} state-${state}`, 'data-alert-id': a.alert_id, 'data-state': state });
    const note = el('input', { placeholder: 'note', 'aria-label': 'note', class: 'alert-note' });
    const ack = el('button', { type: 'button', class: 'ack', onclick: () => this.act(a, 'ack', note.value.trim(), li) }, 'Acknowledge');
    const resolve = el('button', {
      type: 'button', class: 'resolve',
      onclick: () => {
        const text = note.value.trim();
        if (!text) {
          note.focus();
          note.placeholder = 'a note is required to resolve';
          return;
        }
        this.act(a, 'resolve', text, li);
      },
    }, 'Resolve');
    if (state !== 'open') ack.disabled = true;
    const actions = this.canWrite ? el('div', { class: 'actions' }, note, ack, resolve) : null;
    li.append(
      el('div', { class: 'title' }, el('strong', {}, a.title || a.rule || 'alert'), ` · ${a.vehicle_id || 'fleet'}`),
      el('div', { class: 'meta' },
         `${severity} · ${state} · opened ${timeText(a.opened_at_ms)}` +
         (a.updated_by && state !== 'open' ? ` · by ${a.updated_by}` : '') + (a.note ? ` · “${a.note}”` : '')),
      a.detail ? el('div', { class: 'detail' }, a.detail) : null,
      actions,
    );
    return li;
  }
}
