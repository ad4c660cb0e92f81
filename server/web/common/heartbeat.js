// A device page's heartbeat: POST /api/v1/device/heartbeat every 30 s with the page's
// version and the screen's resolution, so the admin page lists them and a screen that
// falls silent raises an alarm on the dashboard. Refused for good (the device was
// revoked: 401 device_revoked), it stops and says why through onRefused(err).
import { api } from "/static/common/api.js";

export const PAGE_VERSION = "0.1.0"; // the pages' version: a screen still showing an older one says so
const EVERY_MS = 30000;

export function startHeartbeat(token, { onRefused }) {
  let timer = null;
  const beat = async () => {
    try {
      await api("/api/v1/device/heartbeat", {
        method: "POST", token,
        body: { version: PAGE_VERSION, resolution: `${screen.width}x${screen.height}` },
      });
    } catch (err) {
      if (err.status === 401 || err.status === 403) {
        clearInterval(timer);
        onRefused(err);
      }
    }
  };
  timer = setInterval(beat, EVERY_MS);
  beat();
}
