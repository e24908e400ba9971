/**
 * The example's storage: notes per Sesame user id, kept in one JSON file (written whole, through a
 * temporary file and a rename, so a crash never leaves half a file). Fine for an example; a real
 * app keeps them in its own database, keyed the same way, by the token's `sub`.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const MAX_NOTE_LENGTH = 1000;
export const MAX_NOTES_PER_USER = 200;

export function createNotesStore(file) {
  /** @type {Record<string, {id: string, text: string, createdAt: string}[]>} */
  let byUser = {};
  if (fs.existsSync(file)) byUser = JSON.parse(fs.readFileSync(file, 'utf8'));

  function save() {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, JSON.stringify(byUser));
    fs.renameSync(temporary, file);
  }

  return {
    list(userId) {
      return byUser[userId] ?? [];
    },
    add(userId, text) {
      const notes = (byUser[userId] ??= []);
      if (notes.length >= MAX_NOTES_PER_USER) return null;
      const note = { id: randomUUID(), text, createdAt: new Date().toISOString() };
      notes.unshift(note);
      save();
      return note;
    },
    remove(userId, id) {
      const notes = byUser[userId] ?? [];
      const index = notes.findIndex((note) => note.id === id);
      if (index === -1) return false;
      notes.splice(index, 1);
      save();
      return true;
    },
  };
}
