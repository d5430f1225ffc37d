// The hub's HTTP API (docs/api.md) with the dashboard's bearer token. Every error body is
// {"ok":false,"error":"...","status":N}; callers get an Error carrying that message and status.
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export class Api {
  constructor(token, fleet) {
    this.token = token;
    this.fleet = fleet;  // sent as ?fleet= when the token grants several
  }

  url(path, query = {}) {
    const u = new URL(path, window.location.origin);
    if (this.fleet) u.searchParams.set('fleet', this.fleet);
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') u.searchParams.set(k, v);
    return u;
  }

  async request(method, path, { query, body } = {}) {
    const init = { method, headers: { Authorization: `Bearer ${this.token}` } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(this.url(path, query), init);
    } catch (e) {
      throw new ApiError(0, `the hub did not answer (${e.message})`);
    }
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON: reported below */ }
    if (!res.ok) throw new ApiError(res.status, (json && json.error) || `HTTP ${res.status}`);
    if (json === null) throw new ApiError(res.status, 'the hub answered something other than JSON');
    return json;
  }

  get(path, query) { return this.request('GET', path, { query }).then((r) => r.result ?? r); }
  post(path, body) { return this.request('POST', path, { body }).then((r) => r.result ?? r); }

  whoami() { return this.get('/api/v1/whoami'); }
  dashboardConfig() { return this.request('GET', '/api/v1/dashboard-config'); }
  vehicles() { return this.get('/api/v1/vehicles'); }
  activeAlerts() { return this.get('/api/v1/alerts', { state: 'active' }); }
  routes() { return this.get('/api/v1/routes'); }
  track(vehicle, fromMs, toMs) {
    return this.get(`/api/v1/vehicles/${encodeURIComponent(vehicle)}/track`, { from_ms: fromMs, to_ms: toMs });
  }
  acknowledge(alertId, note) { return this.post(`/api/v1/alerts/${encodeURIComponent(alertId)}/ack`, note ? { note } : {}); }
  resolve(alertId, note) { return this.post(`/api/v1/alerts/${encodeURIComponent(alertId)}/resolve`, { note }); }
}
