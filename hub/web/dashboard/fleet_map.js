// The map: one marker per vehicle, a highlighted track for replays. Leaflet comes from the hub
// (vendor/leaflet, the npm package). Tiles come from web.tile_url; without one (or offline) the map still
// shows the vehicles on a plain background. Without Leaflet at all the lists keep working.
const L = window.L;

export class FleetMap {
  constructor(element, note, tileUrl) {
    this.markers = new Map();
    this.fitted = false;
    this.note = note;
    if (!L) {
      this.map = null;
      this.showNote('The map library did not load; vehicles are listed on the left.');
      return;
    }
    this.map = L.map(element, { zoomControl: true, attributionControl: Boolean(tileUrl) }).setView([0, 0], 2);
    if (tileUrl) {
      const layer = L.tileLayer(tileUrl, { maxZoom: 19, attribution: 'map tiles' });
      layer.on('tileerror', () => this.showNote('Map tiles are unavailable; positions are still live.'));
      layer.addTo(this.map);
    } else {
      this.showNote('No map tiles configured (web.tile_url); positions are drawn on a plain background.');
    }
    this.track = null;
    this.replayMarker = null;
  }

  showNote(text) {
    this.note.textContent = text;
    this.note.hidden = false;
  }

  upsert(vehicle, lat, lon, status, onClick) {
    if (!this.map || !Number.isFinite(lat) || !Number.isFinite(lon) || (lat === 0 && lon === 0)) return;
    let m = this.markers.get(vehicle);
    if (!m) {
      m = L.circleMarker([lat, lon], { radius: 7, weight: 2 });
      m.bindTooltip(vehicle, { permanent: true, direction: 'right', className: 'vehicle-label' });
      m.on('click', () => onClick(vehicle));
      m.addTo(this.map);
      this.markers.set(vehicle, m);
    } else {
      m.setLatLng([lat, lon]);
    }
    m.setStyle({ color: status === 'online' || !status ? '#2e86de' : status === 'silent' ? '#d68910' : '#7f8c8d' });
    m.getElement()?.setAttribute('data-vehicle', vehicle);
    if (!this.fitted) {
      this.fitted = true;
      this.map.setView([lat, lon], 13);
    }
  }

  fitAll() {
    if (!this.map || this.markers.size === 0) return;
    const b = L.latLngBounds([...this.markers.values()].map((m) => m.getLatLng()));
    this.map.fitBounds(b.pad(0.2), { maxZoom: 15 });
  }

  focus(vehicle) {
    const m = this.markers.get(vehicle);
    if (this.map && m) this.map.panTo(m.getLatLng());
  }

  showTrack(points) {
    this.clearTrack();
    if (!this.map || points.length === 0) return;
    const line = points.map((p) => [p.lat, p.lon]);
    this.track = L.polyline(line, { color: '#8e44ad', weight: 3 }).addTo(this.map);
    this.replayMarker = L.circleMarker(line[0], { radius: 6, color: '#8e44ad', fillOpacity: 1 }).addTo(this.map);
    this.map.fitBounds(this.track.getBounds().pad(0.2), { maxZoom: 16 });
  }

  moveReplay(point) {
    if (this.replayMarker) this.replayMarker.setLatLng([point.lat, point.lon]);
  }

  clearTrack() {
    if (this.track) this.track.remove();
    if (this.replayMarker) this.replayMarker.remove();
    this.track = null;
    this.replayMarker = null;
  }
}
