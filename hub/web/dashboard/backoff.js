// Reconnect delays: 1, 2, 4, 8, 16, 30, 30 ... seconds. Pure, so the browser test and node can check it.
export const BACKOFF_MAX_S = 30;

export function backoffSeconds(attempt) {
  if (attempt <= 0) return 1;
  return Math.min(BACKOFF_MAX_S, 2 ** attempt);
}
