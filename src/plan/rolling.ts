/**
 * The size of a rolling restart's batches from restart.rolling.maxUnavailable: a number of servers, or a
 * percentage of the servers the apply restarts, rounded down and at least 1 (Ansible's `serial: 25%`
 * rounds the same way). Pure, shared by the apply engine and the views that describe the batches.
 */
export function batchSize(maxUnavailable: number | string | undefined, servers: number): number {
  if (maxUnavailable === undefined) return 1;
  if (typeof maxUnavailable === 'number') return Math.max(1, Math.floor(maxUnavailable));
  const percent = /^(\d{1,3})%$/.exec(maxUnavailable);
  if (!percent) throw new Error(`restart.rolling.maxUnavailable "${maxUnavailable}" passed the schema but is not a percentage`);
  return Math.max(1, Math.floor((servers * Number(percent[1])) / 100));
}
