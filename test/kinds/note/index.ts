/**
 * A small resource kind that lives only in the test tree: "notes", organisation-wide objects with a
 * Name and a Text, kept in the lab's organization.json under `notes`. It proves that a new kind needs
 * its folder and nothing else: test/unit/extra-kind.test.ts registers it and plans, applies, renders,
 * exports and rolls it back with the engine, the views and the lab target as they are.
 */
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { fail } from '../../../src/diag/diagnostic';
import type { AttributeChange, Change, KindPlan, PlanInput, ResourceKind } from '../../../src/resources/types';
import type { LabOrganizationDriver } from '../../../src/targets/lab/driver';
import { readJsonOr, writeFileAtomic } from '../../../src/targets/lab/lab-target';

export interface NoteSpec {
  readonly name: string;
  readonly text: string;
}
export interface Note {
  readonly Name: string;
  readonly Text: string;
}
interface NotesLive {
  readonly notes: readonly Note[];
  /** Text of each note before hybridcfg first changed it. */
  readonly originals: Readonly<Record<string, string>>;
}
interface NoteData {
  readonly name: string;
  readonly text: string;
}
type Input = PlanInput<NoteSpec, NotesLive, never>;

const ORIGINALS = ['original', 'notes.json'];
const address = (name: string) => `note["${name}"]`;

function change(name: string, before: string, after: string, reason: Change['reason']): Change<NoteData> {
  const attribute: AttributeChange = { name: 'Text', action: 'update', before, after, format: 'scalar' };
  return {
    kind: 'note',
    address: address(name),
    action: 'update',
    reason,
    title: name,
    attributes: [attribute],
    // Every server restarts when a note changes: so that the test sees an effect planned and carried out.
    effects: [{ type: 'restart', servers: 'all', why: `note "${name}" changed` }],
    data: { name, text: after },
  };
}

const lab: LabOrganizationDriver<unknown, NotesLive, NoteData, void> = {
  scope: 'organization',
  shape: (org) => (Array.isArray(org.notes) ? undefined : '"notes" is missing or not a list'),
  async read(ctx) {
    const org = await ctx.organization();
    return { notes: org.notes as Note[], originals: await readJsonOr(path.join(ctx.paths.state, ...ORIGINALS), {}) };
  },
  call: (request) => ({ call: 'setNote', name: request.name }),
  set(ctx, request) {
    return ctx.updateOrganization(async (org) => {
      const notes = org.notes as Note[];
      const note = notes.find((n) => n.Name === request.name);
      if (!note) fail('target.not-found', `No note ${request.name}`);
      if (note.Text === request.text) return { result: undefined };
      const file = path.join(ctx.paths.state, ...ORIGINALS);
      const originals = await readJsonOr<Record<string, string>>(file, {});
      if (!(note.Name in originals)) {
        await fs.mkdir(path.dirname(file), { recursive: true });
        await writeFileAtomic(file, JSON.stringify({ ...originals, [note.Name]: note.Text }, null, 2) + '\n');
      }
      return {
        org: { ...org, notes: notes.map((n) => (n === note ? { ...n, Text: request.text } : n)) },
        events: [{ action: 'set-note', name: note.Name }],
        result: undefined,
      };
    });
  },
  init: async (org) => ({ ...org, notes: [{ Name: 'welcome', Text: 'hello' }] }),
};

export const note: ResourceKind<NoteSpec, NotesLive, never, NoteData> = {
  id: 'note',
  specKey: 'notes',
  scope: 'organization',
  noun: ['note', 'notes'],
  applyOrder: 50,
  schema: {
    section: {
      description: 'Notes and the text they should have.',
      examples: [[{ name: 'welcome', text: 'hi' }]],
      type: 'array',
      items: { $ref: '#/$defs/note' },
    },
    defs: {
      note: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'text'],
        properties: {
          name: { description: 'The note.', examples: ['welcome'], type: 'string', minLength: 1 },
          text: { description: 'Its text.', examples: ['hi'], type: 'string' },
        },
      },
    },
  },
  orgQuery: () => ({}),
  plan(input: Input): KindPlan<NoteData> {
    const changes = input.entries.flatMap((e) => {
      const live = input.org.notes.find((n) => n.Name === e.name);
      return live && live.Text !== e.text ? [change(e.name, live.Text, e.text, 'spec')] : [];
    });
    return { changes, diagnostics: [], read: input.org.notes };
  },
  rollback(input: Input): KindPlan<NoteData> {
    const changes = Object.entries(input.org.originals).flatMap(([name, text]) => {
      const live = input.org.notes.find((n) => n.Name === name);
      return live && live.Text !== text ? [change(name, live.Text, text, 'rollback')] : [];
    });
    return { changes, diagnostics: [], read: input.org };
  },
  export: (input, opts) =>
    input.org.notes.filter((n) => opts.all || input.entries.some((e) => e.name === n.Name)).map((n) => ({ name: n.Name, text: n.Text })),
  request: (c) => c.data,
  undo: (c) => change(c.data.name, c.data.text, String(c.attributes[0].before), 'undo'),
  drivers: { lab },
};
