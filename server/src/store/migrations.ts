// The schema of the store, as ordered, append-only migrations shared by PGlite and PostgreSQL.
// Never edit a released migration: add a new one. Names are unqualified; they land in the store's schema.

export interface Migration {
  /** Strictly increasing, starting at 1. */
  version: number;
  name: string;
  /** One or more statements; run in the migration's transaction. */
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'users, rooms, members, events',
    sql: `
      -- Identifiers use the "C" collation: byte order is the same on every server whatever its
      -- locale (so listings sort identically on PGlite and PostgreSQL), and compares fastest.
      CREATE TABLE users (
        id          text COLLATE "C" PRIMARY KEY,
        name        text NOT NULL,
        guest       boolean NOT NULL DEFAULT false,
        created_at  timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE rooms (
        id          text COLLATE "C" PRIMARY KEY,
        name        text NOT NULL,
        kind        text NOT NULL CHECK (kind IN ('public', 'private', 'dm')),
        owner       text COLLATE "C" NULL,
        -- Seq of the latest event. Bumped in the transaction that inserts events: its row lock is
        -- what serialises writers of one room across every server node.
        head_seq    bigint NOT NULL DEFAULT 0,
        created_at  timestamptz NOT NULL DEFAULT now()
      );

      -- No foreign key to users: a room can name members (invites, dm peers) before they ever connect.
      CREATE TABLE members (
        room_id     text COLLATE "C" NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        user_id     text COLLATE "C" NOT NULL,
        role        text NOT NULL CHECK (role IN ('owner', 'member')),
        joined_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (room_id, user_id)
      );
      CREATE INDEX members_user_id_idx ON members (user_id);

      -- The primary key doubles as the history index: every read is a range of seq in one room.
      -- No foreign key to rooms: every insert first reserves its seq by updating the room row, so
      -- the room is known to exist, and a per-row key check would cost a third of a batch insert.
      CREATE TABLE events (
        room_id     text COLLATE "C" NOT NULL,
        seq         bigint NOT NULL,
        id          text COLLATE "C" NOT NULL UNIQUE,
        kind        text NOT NULL,
        author      text COLLATE "C" NOT NULL,
        author_name text NOT NULL,
        cid         text COLLATE "C" NULL,
        body        text NULL,
        data        jsonb NULL,
        ts          bigint NOT NULL,
        PRIMARY KEY (room_id, seq)
      );
      -- Idempotent sends: a retried client id finds the stored event instead of adding another.
      CREATE UNIQUE INDEX events_room_author_cid_key ON events (room_id, author, cid) WHERE cid IS NOT NULL;
    `,
  },
];
