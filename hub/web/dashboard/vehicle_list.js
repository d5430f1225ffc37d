// The live vehicle list: one row per vehicle, kept current by position and status events.
import { ago, el, kmh, num } from './format.js';

export class VehicleList {
  constructor(tbody, count, onSelect) {
    this.tbody = tbody;
    this.count = count;
    this.onSelect = onSelect;
    this.vehicles = new Map();  // id -> {vehicle, status, lat, lon, speed_mps, heading_deg, last_seen_ms, driver, route_id}
    this.rows = new Map();
    this.selected = null;
  }

  reset(list) {
    this.vehicles.clear();
    for (const v of list || []) this.vehicles.set(v.vehicle, { ...v });
    this.tbody.replaceChildren();
    this.rows.clear();
    for (const id of [...this.vehicles.keys()].sort()) this.render(id);
    this.updateCount();
  }

  get(id) { return this.vehicles.get(id); }

  // A position or status event from the live feed; returns the merged vehicle.
  apply(ev) {
    const d = ev.data || {};
    const v = this.vehicles.get(ev.vehicle) || { vehicle: ev.vehicle };
    if (d.position) {
      v.lat = num(d.position.lat);
      v.lon = num(d.position.lon);
      v.speed_mps = num(d.position.speed_mps);
      v.heading_deg = num(d.position.heading_deg);
      v.last_seen_ms = num(ev.time_ms);
    }
    if (d.status) v.status = d.status;
    if (d.driver_id) v.driver = d.driver_id;
    const isNew = !this.vehicles.has(ev.vehicle);
    this.vehicles.set(ev.vehicle, v);
    this.render(ev.vehicle);
    if (isNew) this.updateCount();
    return v;
  }

  select(id) {
    this.rows.get(this.selected)?.classList.remove('selected');
    this.selected = id;
    this.rows.get(id)?.classList.add('selected');
  }

  updateCount() {
    this.count.textContent = `(${this.vehicles.size})`;
  }

  render(id) {
    const v = this.vehicles.get(id);
    const status = v.status || 'online';
    const cells = [
      el('td', { class: 'vehicle-id' }, id),
      el('td', {}, el('span', { class: `pill ${status}` }, status)),
      el('td', { class: 'speed' }, kmh(v.speed_mps)),
      el('td', { class: 'last-fix', title: v.last_seen_ms ? new Date(num(v.last_seen_ms)).toISOString() : '' },
         ago(v.last_seen_ms)),
    ];
    let row = this.rows.get(id);
    if (!row) {
      row = el('tr', { 'data-vehicle': id, onclick: () => this.onSelect(id) });
      this.rows.set(id, row);
      // Keep rows sorted by id.
      const after = [...this.rows.keys()].filter((k) => k > id && this.rows.get(k).isConnected).sort()[0];
      this.tbody.insertBefore(row, after ? this.rows.get(after) : null);
    }
    row.setAttribute('data-lat', String(v.lat ?? ''));
    row.setAttribute('data-lon', String(v.lon ?? ''));
    row.replaceChildren(...cells);
    if (id === this.selected) row.classList.add('selected');
  }

  // Refreshes the "n s ago" column.
  tick() {
    for (const id of this.vehicles.keys()) {
      const cell = this.rows.get(id)?.querySelector('.last-fix');
      if (cell) cell.textContent = ago(this.vehicles.get(id).last_seen_ms);
    }
  }
}
