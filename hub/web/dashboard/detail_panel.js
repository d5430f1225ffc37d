// One vehicle's facts and its track replay: the track between two times from the HTTP API, drawn on the
// map, then played back point by point (or scrubbed with the slider).
import { ago, el, kmh, num, timeText } from './format.js';

const REPLAY_STEP_MS = 200;

function localInput(ms) {
  const d = new Date(ms - new Date().getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 16);
}

export class DetailPanel {
  constructor(root, api, map, routes, onError) {
    this.root = root;
    this.api = api;
    this.map = map;
    this.routes = routes;
    this.onError = onError;
    this.vehicle = null;
    this.points = [];
    this.timer = null;
    this.q = (id) => root.querySelector(`#${id}`);
    this.q('detail-close').addEventListener('click', () => this.close());
    this.q('replay-load').addEventListener('click', () => this.load());
    this.q('replay-play').addEventListener('click', () => this.play());
    this.q('replay-slider').addEventListener('input', (e) => this.show(Number(e.target.value)));
  }

  open(vehicle, view) {
    this.stop();
    this.vehicle = vehicle;
    this.root.hidden = false;
    this.q('detail-name').textContent = vehicle;
    const now = Date.now();
    this.q('replay-from').value = localInput(now - 3600_000);
    this.q('replay-to').value = localInput(now + 60_000);
    this.update(view);
    this.map.clearTrack();
    this.points = [];
    this.q('replay-info').textContent = '';
    this.q('replay-play').disabled = true;
    this.q('replay-slider').disabled = true;
  }

  update(view) {
    if (!view || view.vehicle !== this.vehicle) return;
    const facts = [
      ['status', view.status || 'online'],
      ['driver', view.driver || '–'],
      ['position', Number.isFinite(view.lat) || view.lat ? `${num(view.lat).toFixed(5)}, ${num(view.lon).toFixed(5)}` : '–'],
      ['speed', kmh(view.speed_mps)],
      ['heading', `${Math.round(num(view.heading_deg))}°`],
      ['last fix', `${timeText(view.last_seen_ms)} (${ago(view.last_seen_ms)})`],
    ];
    for (const r of this.routes.forVehicle(this.vehicle))
      facts.push(['route', `${r.name || r.route_id}: ${num(r.completed)}/${num(r.total)} drops`]);
    this.q('detail-facts').replaceChildren(...facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
  }

  async load() {
    this.stop();
    const from = Date.parse(this.q('replay-from').value);
    const to = Date.parse(this.q('replay-to').value);
    if (!Number.isFinite(from) || !Number.isFinite(to) || from >= to) {
      this.q('replay-info').textContent = 'choose a start before the end';
      return;
    }
    try {
      const pts = await this.api.track(this.vehicle, from, to);
      this.points = (Array.isArray(pts) ? pts : []).map((p) => ({ ...p, lat: num(p.lat), lon: num(p.lon) }));
    } catch (e) {
      this.onError(`Track of ${this.vehicle}: ${e.message}`);
      return;
    }
    const slider = this.q('replay-slider');
    slider.max = String(Math.max(0, this.points.length - 1));
    slider.value = '0';
    slider.disabled = this.points.length === 0;
    this.q('replay-play').disabled = this.points.length === 0;
    this.q('replay-info').textContent = `${this.points.length} points`;
    this.root.dataset.trackPoints = String(this.points.length);
    this.root.dataset.trackLoads = String(Number(this.root.dataset.trackLoads || 0) + 1);
    this.map.showTrack(this.points);
    if (this.points.length) this.show(0);
  }

  show(i) {
    const p = this.points[i];
    if (!p) return;
    this.map.moveReplay(p);
    this.q('replay-slider').value = String(i);
    this.q('replay-info').textContent = `${i + 1}/${this.points.length} · ${timeText(p.time_ms)} · ${kmh(p.speed_mps)}`;
  }

  play() {
    this.stop();
    let i = Number(this.q('replay-slider').value);
    if (i >= this.points.length - 1) i = 0;
    this.timer = setInterval(() => {
      this.show(i);
      i += 1;
      if (i >= this.points.length) this.stop();
    }, REPLAY_STEP_MS);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
  }

  close() {
    this.stop();
    this.map.clearTrack();
    this.root.hidden = true;
    this.vehicle = null;
  }
}
