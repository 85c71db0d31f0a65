// The one list of server kinds: what `mkvss-lab serve <kind>` starts (servers/<kind>/server.ts),
// and what the harness and the tests may name. Add a server here and nowhere else.
export const SERVER_KINDS = ['sync', 'async', 'reference', 'floor'] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

export function isServerKind(name: string): name is ServerKind {
  return (SERVER_KINDS as readonly string[]).includes(name);
}
