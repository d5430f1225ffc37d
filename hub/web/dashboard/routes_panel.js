// Route progress: one bar per active route, drops with their state.
import { el, num } from './format.js';

export class RoutesPanel {
  constructor(list) {
    this.list = list;
    this.routes = new Map();  // route_id -> RouteProgress (JSON)
  }

  reset(routes) {
    this.routes.clear();
    for (const r of routes || []) this.routes.set(r.route_id, r);
    this.render();
  }

  apply(progress) {
    if (!progress || !progress.route_id) return;
    this.routes.set(progress.route_id, progress);
    this.render();
  }

  forVehicle(vehicle) {
    return [...this.routes.values()].filter((r) => r.vehicle_id === vehicle);
  }

  render() {
    const items = [...this.routes.values()].sort((a, b) => String(a.route_id).localeCompare(String(b.route_id)));
    if (items.length === 0) {
      this.list.replaceChildren(el('li', { class: 'note' }, 'No routes assigned.'));
      return;
    }
    this.list.replaceChildren(...items.map((r) => {
      const total = num(r.total), done = num(r.completed);
      const pct = total ? Math.round((100 * done) / total) : 0;
      const drops = (r.drops || []).map((d) => `${d.name || d.drop_id}: ${d.state || 'pending'}`).join(' · ');
      return el('li', { 'data-route-id': r.route_id },
        el('div', {}, el('strong', {}, r.name || r.route_id), ` · ${r.vehicle_id || ''} · ${done}/${total} drops`,
           num(r.delayed) ? el('span', { class: 'error' }, ` · ${num(r.delayed)} late`) : null),
        el('div', { class: 'progress' }, el('div', { style: `width:${pct}%` })),
        el('div', { class: 'drops' }, drops, ` · ${(num(r.driven_m) / 1000).toFixed(1)} km driven`));
    }));
  }
}
