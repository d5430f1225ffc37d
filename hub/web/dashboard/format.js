// Small display helpers shared by the panels.
export function num(v) {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
}

export function timeText(ms) {
  const n = num(ms);
  if (!n) return '–';
  return new Date(n).toLocaleTimeString();
}

export function ago(ms, now = Date.now()) {
  const n = num(ms);
  if (!n) return '–';
  const s = Math.max(0, Math.round((now - n) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

export function kmh(mps) {
  return `${Math.round(num(mps) * 3.6)} km/h`;
}

// "ALERT_STATE_ACKNOWLEDGED" -> "acknowledged", "SEVERITY_HIGH" -> "high"
export function enumName(v, prefix) {
  if (typeof v !== 'string' || !v) return '';
  return (v.startsWith(prefix) ? v.slice(prefix.length) : v).toLowerCase();
}

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}
