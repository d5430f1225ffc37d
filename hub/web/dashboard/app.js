// The dispatcher dashboard: gets a token (from the URL or the login form), loads the fleet's current state
// over the HTTP API, then keeps it live over the WebSocket feed. Plain ES modules served by the hub.
import { Api, ApiError } from './api.js';
import { AlertsPanel } from './alerts_panel.js';
import { DetailPanel } from './detail_panel.js';
import { FleetMap } from './fleet_map.js';
import { LiveFeed } from './live_feed.js';
import { RoutesPanel } from './routes_panel.js';
import { VehicleList } from './vehicle_list.js';

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = 'fleetlink.token';
const FLEET_KEY = 'fleetlink.fleet';

// ?token=… or #token=… (the fragment never reaches server logs); removed from the address bar once read.
function tokenFromUrl() {
  const url = new URL(window.location.href);
  const hash = new URLSearchParams(url.hash.replace(/^#/, ''));
  const token = url.searchParams.get('token') || url.searchParams.get('access_token') || hash.get('token');
  const fleet = url.searchParams.get('fleet') || hash.get('fleet');
  if (token) {
    url.searchParams.delete('token');
    url.searchParams.delete('access_token');
    url.hash = '';
    window.history.replaceState(null, '', url.toString());
  }
  return { token, fleet };
}

function setConnection(state, detail) {
  const s = $('conn-status');
  s.textContent = detail ? `${state} · ${detail}` : state;
  s.dataset.state = state;
  s.className = `status ${state === 'live' ? 'live' : state === 'down' || state === 'error' ? 'down' : 'wait'}`;
}

function showError(text) {
  const bar = $('error-bar');
  bar.textContent = text;
  bar.hidden = false;
  clearTimeout(showError.timer);
  showError.timer = setTimeout(() => { bar.hidden = true; }, 8000);
}

function askForToken(message) {
  $('app').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message || '';
  $('login-token').value = '';
  $('login-fleet').value = sessionStorage.getItem(FLEET_KEY) || '';
  $('login-token').focus();
}

class Dashboard {
  constructor(token, fleet) {
    this.token = token;
    this.fleet = fleet;
    this.reloading = null;
  }

  async open() {
    const probe = new Api(this.token, this.fleet);
    const me = await probe.whoami();
    if (!this.fleet) {
      if (me.fleets && me.fleets.length === 1) this.fleet = me.fleets[0];
      else throw new ApiError(400, 'this token grants several fleets: enter the fleet to watch');
    }
    this.api = new Api(this.token, this.fleet);
    const config = await this.api.dashboardConfig().catch(() => ({}));
    $('fleet-name').textContent = `fleet ${this.fleet}`;
    $('who').textContent = `${me.sub} (${me.role})`;
    $('login').hidden = true;
    $('app').hidden = false;

    this.map = new FleetMap($('map'), $('map-note'), config.tile_url || '');
    this.routes = new RoutesPanel($('routes'));
    this.vehicles = new VehicleList($('vehicles').querySelector('tbody'), $('vehicle-count'), (v) => this.select(v));
    this.alerts = new AlertsPanel($('alerts'), $('alert-count'), this.api, showError, me.role !== 'viewer');
    this.detail = new DetailPanel($('detail-panel'), this.api, this.map, this.routes, showError);

    await this.reload();
    this.map.fitAll();
    this.feed = new LiveFeed({
      token: this.token,
      fleets: [this.fleet],
      handlers: {
        onEvent: (m) => this.onEvent(m),
        onResync: () => this.reload(),
        onState: setConnection,
        onTokenExpired: () => {
          sessionStorage.removeItem(TOKEN_KEY);
          askForToken('Your token expired: enter a new one to continue.');
        },
      },
    });
    this.feed.start();
    setInterval(() => this.vehicles.tick(), 5000);
    window.fleetlinkDashboard = this;  // for operators' consoles and the browser test
  }

  // The fleet's current state from the HTTP API. Live events that arrive meanwhile are applied on top.
  reload() {
    if (this.reloading) return this.reloading;
    this.reloading = (async () => {
      try {
        const [vehicles, alerts, routes] = await Promise.all([
          this.api.vehicles(), this.api.activeAlerts(), this.api.routes().catch(() => []),
        ]);
        this.vehicles.reset(vehicles);
        for (const v of vehicles || []) this.map.upsert(v.vehicle, Number(v.lat), Number(v.lon), v.status, (id) => this.select(id));
        this.alerts.reset(alerts);
        this.routes.reset(routes);
      } catch (e) {
        showError(`Could not load the fleet: ${e.message}`);
      } finally {
        this.reloading = null;
      }
    })();
    return this.reloading;
  }

  onEvent(m) {
    switch (m.kind) {
      case 'position':
      case 'status': {
        const v = this.vehicles.apply(m);
        this.map.upsert(m.vehicle, v.lat, v.lon, v.status, (id) => this.select(id));
        if (this.detail.vehicle === m.vehicle) this.detail.update(v);
        break;
      }
      case 'alert':
        this.alerts.apply(m.data);
        break;
      case 'route':
        this.routes.apply(m.data);
        if (this.detail.vehicle === m.vehicle) this.detail.update(this.vehicles.get(m.vehicle));
        break;
      default:
        break;
    }
  }

  select(vehicle) {
    this.vehicles.select(vehicle);
    this.map.focus(vehicle);
    this.detail.open(vehicle, this.vehicles.get(vehicle) || { vehicle });
  }
}

async function start(token, fleet) {
  const d = new Dashboard(token, fleet);
  try {
    await d.open();
    sessionStorage.setItem(TOKEN_KEY, token);
    if (fleet) sessionStorage.setItem(FLEET_KEY, fleet);
  } catch (e) {
    sessionStorage.removeItem(TOKEN_KEY);
    askForToken(e.status === 401 ? `The hub refused the token: ${e.message}` : e.message);
  }
}

$('login').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const token = $('login-token').value.trim();
  const fleet = $('login-fleet').value.trim();
  if (token) start(token, fleet || null);
});

const fromUrl = tokenFromUrl();
const token = fromUrl.token || sessionStorage.getItem(TOKEN_KEY);
const fleet = fromUrl.fleet || sessionStorage.getItem(FLEET_KEY);
if (token) start(token, fleet);
else askForToken('');
