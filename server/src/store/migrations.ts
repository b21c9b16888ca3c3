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
  {
    version: 2,
    name: 'append_events: one group-commit batch in one call',
    sql: `
      -- Appends one batch of events. The room-major arguments carry the batch's distinct rooms and
      -- how many events each gets; the input-major ones carry, per event, its room's index into
      -- p_rooms and its rank among that room's events in the batch, so seq = the room's head before
      -- the batch + rank, with no join over the events to plan.
      --
      -- Fast path: one row per existing room, k = -(room index), seq = its head before the batch; the
      -- caller has everything else. A cid already stored (a retried send) or repeated within the
      -- batch breaks the fast path on the unique index; nothing of it is kept and the same call writes
      -- the batch again, the careful way: then one row per input whose room exists, k = its 1-based
      -- position, with the stored event's fields for repeats (dup = true). Unknown rooms get no row.
      -- Staying inside one call keeps batches pipelined on one connection in their order.
      CREATE FUNCTION append_events(
        p_rooms text[], p_counts int[], p_ri int[], p_rank int[], p_id text[], p_kind text[],
        p_author text[], p_name text[], p_cid text[], p_body text[], p_data jsonb[], p_ts int8
      ) RETURNS TABLE (k int, seq int8, id text, ts int8, kind text, name text, body text, data jsonb, dup boolean)
      LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
      #variable_conflict use_column
      DECLARE
        v_base int8[];
      BEGIN
        BEGIN
          -- Row locks in room id order, as every writer of rooms takes them, so batches cannot deadlock.
          PERFORM 1 FROM rooms r WHERE r.id = ANY (p_rooms) ORDER BY r.id FOR UPDATE;
          WITH bumped AS (
            UPDATE rooms r SET head_seq = r.head_seq + c.n
              FROM unnest(p_rooms, p_counts) AS c(room, n)
             WHERE r.id = c.room
            RETURNING r.id AS room, r.head_seq - c.n AS base
          )
          SELECT array_agg(b.base ORDER BY c.i) INTO v_base
            FROM unnest(p_rooms) WITH ORDINALITY AS c(room, i) LEFT JOIN bumped b ON b.room = c.room;
          INSERT INTO events AS e (room_id, seq, id, kind, author, author_name, cid, body, data, ts)
          SELECT p_rooms[x.ri], v_base[x.ri] + x.rank, x.id, x.kind, x.author, x.name, x.cid, x.body, x.data, p_ts
            FROM unnest(p_ri, p_rank, p_id, p_kind, p_author, p_name, p_cid, p_body, p_data)
                 AS x(ri, rank, id, kind, author, name, cid, body, data)
           WHERE v_base[x.ri] IS NOT NULL;
          -- One row per room, k = -(its index in p_rooms), seq = its head before the batch.
          RETURN QUERY
            SELECT -g.i::int, v_base[g.i], NULL::text, NULL::int8, NULL::text, NULL::text, NULL::text, NULL::jsonb, false
              FROM generate_subscripts(p_rooms, 1) AS g(i)
             WHERE v_base[g.i] IS NOT NULL;
          RETURN;
        EXCEPTION WHEN unique_violation THEN
          NULL; -- Nothing of the fast path is kept: the careful path below decides every input again.
        END;
        RETURN QUERY
          WITH input AS (
            SELECT x.*, CASE WHEN x.cid IS NULL THEN x.i
                             ELSE min(x.i) OVER (PARTITION BY x.ri, x.author, x.cid) END AS leader
              FROM unnest(p_ri, p_id, p_kind, p_author, p_name, p_cid, p_body, p_data)
                   WITH ORDINALITY AS x(ri, id, kind, author, name, cid, body, data, i)
          ), stored AS (
            -- LATERAL ... LIMIT 1: one unique-index probe per cid, whatever the planner thinks of the log's size.
            SELECT l.i, e.seq, e.id, e.ts, e.kind, e.author_name, e.body, e.data
              FROM input l
              CROSS JOIN LATERAL (
                SELECT * FROM events ev
                 WHERE ev.room_id = p_rooms[l.ri] AND ev.author = l.author AND ev.cid = l.cid AND ev.cid IS NOT NULL
                 LIMIT 1
              ) e
             WHERE l.cid IS NOT NULL AND l.leader = l.i
          ), fresh AS (
            SELECT f.*, row_number() OVER (PARTITION BY f.ri ORDER BY f.i) AS rank
              FROM input f
             WHERE f.leader = f.i AND NOT EXISTS (SELECT 1 FROM stored s WHERE s.i = f.i)
          ), counts AS (
            SELECT f.ri, count(*) AS n FROM fresh f GROUP BY f.ri
          ), locked AS (
            SELECT r.id FROM rooms r WHERE r.id IN (SELECT p_rooms[c.ri] FROM counts c) ORDER BY r.id FOR UPDATE
          ), bumped AS (
            UPDATE rooms r SET head_seq = r.head_seq + c.n
              FROM counts c
             WHERE r.id = p_rooms[c.ri] AND r.id IN (SELECT l.id FROM locked l)
            RETURNING c.ri, r.head_seq - c.n AS base
          ), inserted AS (
            INSERT INTO events (room_id, seq, id, kind, author, author_name, cid, body, data, ts)
            SELECT p_rooms[f.ri], b.base + f.rank, f.id, f.kind, f.author, f.name, f.cid, f.body, f.data, p_ts
              FROM fresh f JOIN bumped b ON b.ri = f.ri
          ), answers AS (
            SELECT f.i, b.base + f.rank AS seq, f.id, p_ts AS ts, f.kind, f.name, f.body, f.data, false AS dup
              FROM fresh f JOIN bumped b ON b.ri = f.ri
            UNION ALL
            SELECT s.i, s.seq, s.id, s.ts, s.kind, s.author_name, s.body, s.data, true FROM stored s
          )
          SELECT l.i::int, a.seq, a.id, a.ts, a.kind, a.name, a.body, a.data, a.dup OR l.leader <> l.i
            FROM input l JOIN answers a ON a.i = l.leader;
      END
      $fn$;
    `,
  },
  {
    version: 3,
    name: 'room creators, room list order, guest membership expiry',
    sql: `
      -- Who made the room; null for rooms the server made itself (PARLEY_ROOMS). Unlike owner it never
      -- changes hands: it is what per-user room caps count, and room lists show server rooms first.
      ALTER TABLE rooms ADD COLUMN creator text COLLATE "C" NULL;
      UPDATE rooms SET creator = owner WHERE owner IS NOT NULL;
      UPDATE rooms r SET creator = e.author FROM events e WHERE r.kind = 'dm' AND e.room_id = r.id AND e.seq = 1;
      CREATE INDEX rooms_creator_idx ON rooms (creator) WHERE creator IS NOT NULL;
      -- Room list pages: server rooms first, then by id; one index range per page.
      CREATE INDEX rooms_list_idx ON rooms (kind, (creator IS NOT NULL), id);
      -- Guests' memberships of public rooms end a guest token lifetime after they began.
      CREATE INDEX members_joined_at_idx ON members (joined_at);
    `,
  },
  {
    version: 4,
    name: 'settings shared by every node (the generated guest secret)',
    sql: `
      -- Written once by whichever node comes first (INSERT ... ON CONFLICT DO NOTHING) and read by all:
      -- nodes of one database then agree on values such as the guest token secret, across restarts.
      CREATE TABLE settings (
        name        text COLLATE "C" PRIMARY KEY,
        value       text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    version: 5,
    name: 'display names within 64 UTF-16 code units',
    sql: `
      -- Names used to be limited to 64 code points, the protocol counts UTF-16 code units (an emoji is
      -- 2): a longer stored name in a frame would be refused by SDK clients. Users and rooms are cut
      -- at a character here; event rows (a large table) are fitted as they are read.
      CREATE FUNCTION fit_name_v5(s text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $fn$
      DECLARE
        units int := 0;
      BEGIN
        FOR i IN 1 .. char_length(s) LOOP
          units := units + CASE WHEN ascii(substr(s, i, 1)) > 65535 THEN 2 ELSE 1 END;
          IF units > 64 THEN RETURN rtrim(substr(s, 1, i - 1)); END IF;
        END LOOP;
        RETURN s;
      END
      $fn$;
      -- 33 code points or more is the shortest a name over 64 code units can be.
      UPDATE users SET name = fit_name_v5(name) WHERE char_length(name) > 32 AND fit_name_v5(name) <> name;
      UPDATE rooms SET name = fit_name_v5(name) WHERE char_length(name) > 32 AND fit_name_v5(name) <> name;
      DROP FUNCTION fit_name_v5(text);
    `,
  },
  {
    version: 6,
    name: 'append_events holds its rooms for the whole call',
    sql: `
      -- A batch whose careful path met a cid another node stored in the meantime failed, and the node
      -- called again; with batches pipelined, its next batch had already run by then, so it stored
      -- later messages first. The rooms' row locks are now taken before the fast path's exception
      -- block and kept until the commit: the careful path then reads which cids are stored while no
      -- other writer can add one to these rooms, and cannot fail on the cid index.
      ALTER FUNCTION append_events(text[], int[], int[], int[], text[], text[], text[], text[], text[], text[], jsonb[], int8)
        RENAME TO append_events_unlocked;
      CREATE FUNCTION append_events(
        p_rooms text[], p_counts int[], p_ri int[], p_rank int[], p_id text[], p_kind text[],
        p_author text[], p_name text[], p_cid text[], p_body text[], p_data jsonb[], p_ts int8
      ) RETURNS TABLE (k int, seq int8, id text, ts int8, kind text, name text, body text, data jsonb, dup boolean)
      LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
      BEGIN
        -- In room id order, as every writer of rooms takes them.
        PERFORM 1 FROM rooms r WHERE r.id = ANY (p_rooms) ORDER BY r.id FOR UPDATE;
        RETURN QUERY SELECT * FROM append_events_unlocked(p_rooms, p_counts, p_ri, p_rank, p_id, p_kind, p_author, p_name, p_cid, p_body, p_data, p_ts);
      END
      $fn$;
    `,
  },
  {
    version: 7,
    name: 'one seq allocator; mentions; the message projection (messages, reactions)',
    sql: `
      -- The one place seqs come from: locks the rooms in id order (as every writer of rooms takes them,
      -- so writers cannot deadlock), moves each head by its count and returns, aligned with p_rooms,
      -- each room's head before the move (NULL for a room that does not exist). The locks are held
      -- until the transaction ends, and a rollback gives the seqs back: no gaps. Rooms must be distinct.
      CREATE FUNCTION take_seqs(p_rooms text[], p_counts int8[]) RETURNS int8[]
      LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
      DECLARE
        v_base int8[];
      BEGIN
        PERFORM 1 FROM rooms r WHERE r.id = ANY (p_rooms) ORDER BY r.id FOR UPDATE;
        WITH bumped AS (
          UPDATE rooms r SET head_seq = r.head_seq + c.n
            FROM unnest(p_rooms, p_counts) AS c(room, n)
           WHERE r.id = c.room
          RETURNING r.id AS room, r.head_seq - c.n AS base
        )
        SELECT array_agg(b.base ORDER BY c.i) INTO v_base
          FROM unnest(p_rooms) WITH ORDINALITY AS c(room, i) LEFT JOIN bumped b ON b.room = c.room;
        RETURN v_base;
      END
      $fn$;

      -- Users mentioned in a msg or edit body: [{user, at, len}] (UTF-16 offsets).
      ALTER TABLE events ADD COLUMN mentions jsonb NULL;

      -- The message projection: a row per msg that something changed (an edit, a delete, a reaction, a
      -- thread reply); a msg without one is as its event says. Kept by the trigger below, in the
      -- transaction of the change event's append, whichever path appends it.
      CREATE TABLE messages (
        room_id         text COLLATE "C" NOT NULL,
        seq             bigint NOT NULL,
        -- Text and mentions after the last edit; NULL when never edited (the event's) or deleted.
        body            text NULL,
        mentions        jsonb NULL,
        edited          bigint NULL,
        deleted         boolean NOT NULL DEFAULT false,
        -- Seq of the last event folded into this message.
        rev             bigint NOT NULL,
        reply_count     integer NOT NULL DEFAULT 0,
        last_reply_seq  bigint NULL,
        last_reply_ts   bigint NULL,
        PRIMARY KEY (room_id, seq)
      );

      -- Who reacted with what; at_seq (the reaction event) orders the reactors.
      CREATE TABLE reactions (
        room_id   text COLLATE "C" NOT NULL,
        seq       bigint NOT NULL,
        emoji     text NOT NULL,
        user_id   text COLLATE "C" NOT NULL,
        at_seq    bigint NOT NULL,
        PRIMARY KEY (room_id, seq, emoji, user_id)
      );

      -- A delete finds the edits of its message to redact them.
      CREATE INDEX events_edit_target_idx ON events (room_id, ((data->>'target')::int8)) WHERE kind = 'edit';
      -- History of one thread.
      CREATE INDEX events_thread_idx ON events (room_id, ((data->>'thread')::int8), seq) WHERE data ? 'thread';

      -- The projection effect of each kind that has one (sdk/src/protocol/kinds.ts; a test checks the
      -- WHEN list against it). The server validated the change before appending it; what it could not
      -- rule out (a delete that won the race against an edit) is settled here: a deleted message stays deleted.
      CREATE FUNCTION project_event() RETURNS trigger
      LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
      DECLARE
        v_target int8;
      BEGIN
        IF NEW.kind = 'msg' THEN
          v_target := (NEW.data->>'thread')::int8;
          INSERT INTO messages AS m (room_id, seq, rev, reply_count, last_reply_seq, last_reply_ts)
          VALUES (NEW.room_id, v_target, NEW.seq, 1, NEW.seq, NEW.ts)
          ON CONFLICT (room_id, seq) DO UPDATE
            SET reply_count = m.reply_count + 1, last_reply_seq = NEW.seq, last_reply_ts = NEW.ts, rev = NEW.seq;
          RETURN NULL;
        END IF;
        v_target := (NEW.data->>'target')::int8;
        IF NEW.kind = 'edit' THEN
          INSERT INTO messages AS m (room_id, seq, body, mentions, edited, rev)
          VALUES (NEW.room_id, v_target, NEW.body, NEW.mentions, NEW.ts, NEW.seq)
          ON CONFLICT (room_id, seq) DO UPDATE
            SET body = EXCLUDED.body, mentions = EXCLUDED.mentions, edited = EXCLUDED.edited, rev = EXCLUDED.rev
            WHERE NOT m.deleted;
          IF EXISTS (SELECT 1 FROM messages m WHERE m.room_id = NEW.room_id AND m.seq = v_target AND m.deleted) THEN
            UPDATE events e SET body = NULL, mentions = NULL WHERE e.room_id = NEW.room_id AND e.seq = NEW.seq;
          END IF;
        ELSIF NEW.kind = 'delete' THEN
          -- Redaction: the text leaves storage (the message's and its edits'), the rows keep their seqs.
          INSERT INTO messages AS m (room_id, seq, deleted, rev) VALUES (NEW.room_id, v_target, true, NEW.seq)
          ON CONFLICT (room_id, seq) DO UPDATE SET body = NULL, mentions = NULL, deleted = true, rev = EXCLUDED.rev;
          UPDATE events e SET body = NULL, mentions = NULL
           WHERE e.room_id = NEW.room_id AND e.seq = v_target;
          UPDATE events e SET body = NULL, mentions = NULL
           WHERE e.room_id = NEW.room_id AND e.kind = 'edit' AND (e.data->>'target')::int8 = v_target;
          DELETE FROM reactions r WHERE r.room_id = NEW.room_id AND r.seq = v_target;
        ELSIF NEW.kind = 'reaction' THEN
          IF (NEW.data->>'on')::boolean THEN
            INSERT INTO reactions (room_id, seq, emoji, user_id, at_seq)
            VALUES (NEW.room_id, v_target, NEW.data->>'emoji', NEW.author, NEW.seq) ON CONFLICT DO NOTHING;
          ELSE
            DELETE FROM reactions r
             WHERE r.room_id = NEW.room_id AND r.seq = v_target AND r.emoji = NEW.data->>'emoji' AND r.user_id = NEW.author;
          END IF;
          INSERT INTO messages AS m (room_id, seq, rev) VALUES (NEW.room_id, v_target, NEW.seq)
          ON CONFLICT (room_id, seq) DO UPDATE SET rev = EXCLUDED.rev;
        END IF;
        RETURN NULL;
      END
      $fn$;
      CREATE TRIGGER events_project AFTER INSERT ON events FOR EACH ROW
        WHEN (NEW.kind IN ('edit', 'delete', 'reaction') OR (NEW.kind = 'msg' AND NEW.data ? 'thread'))
        EXECUTE FUNCTION project_event();

      -- append_events as before (migrations 2 and 6), with mentions, taking its seqs from take_seqs.
      DROP FUNCTION append_events(text[], int[], int[], int[], text[], text[], text[], text[], text[], text[], jsonb[], int8);
      DROP FUNCTION append_events_unlocked(text[], int[], int[], int[], text[], text[], text[], text[], text[], text[], jsonb[], int8);
      CREATE FUNCTION append_events(
        p_rooms text[], p_counts int[], p_ri int[], p_rank int[], p_id text[], p_kind text[],
        p_author text[], p_name text[], p_cid text[], p_body text[], p_data jsonb[], p_mentions jsonb[], p_ts int8
      ) RETURNS TABLE (k int, seq int8, id text, ts int8, kind text, name text, body text, data jsonb, dup boolean)
      LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
      #variable_conflict use_column
      DECLARE
        v_base int8[];
      BEGIN
        -- Held until the commit, outside the block below whose rollback would release them: the careful
        -- path then reads which cids are stored while no other writer can add one to these rooms.
        PERFORM 1 FROM rooms r WHERE r.id = ANY (p_rooms) ORDER BY r.id FOR UPDATE;
        BEGIN
          v_base := take_seqs(p_rooms, p_counts::int8[]);
          INSERT INTO events AS e (room_id, seq, id, kind, author, author_name, cid, body, data, mentions, ts)
          SELECT p_rooms[x.ri], v_base[x.ri] + x.rank, x.id, x.kind, x.author, x.name, x.cid, x.body, x.data, x.mentions, p_ts
            FROM unnest(p_ri, p_rank, p_id, p_kind, p_author, p_name, p_cid, p_body, p_data, p_mentions)
                 AS x(ri, rank, id, kind, author, name, cid, body, data, mentions)
           WHERE v_base[x.ri] IS NOT NULL;
          RETURN QUERY
            SELECT -g.i::int, v_base[g.i], NULL::text, NULL::int8, NULL::text, NULL::text, NULL::text, NULL::jsonb, false
              FROM generate_subscripts(p_rooms, 1) AS g(i)
             WHERE v_base[g.i] IS NOT NULL;
          RETURN;
        EXCEPTION WHEN unique_violation THEN
          NULL; -- Nothing of the fast path is kept: the careful path below decides every input again.
        END;
        RETURN QUERY
          WITH input AS (
            SELECT x.*, CASE WHEN x.cid IS NULL THEN x.i
                             ELSE min(x.i) OVER (PARTITION BY x.ri, x.author, x.cid) END AS leader
              FROM unnest(p_ri, p_id, p_kind, p_author, p_name, p_cid, p_body, p_data, p_mentions)
                   WITH ORDINALITY AS x(ri, id, kind, author, name, cid, body, data, mentions, i)
          ), stored AS (
            SELECT l.i, e.seq, e.id, e.ts, e.kind, e.author_name, e.body, e.data
              FROM input l
              CROSS JOIN LATERAL (
                SELECT * FROM events ev
                 WHERE ev.room_id = p_rooms[l.ri] AND ev.author = l.author AND ev.cid = l.cid AND ev.cid IS NOT NULL
                 LIMIT 1
              ) e
             WHERE l.cid IS NOT NULL AND l.leader = l.i
          ), fresh AS (
            SELECT f.*, row_number() OVER (PARTITION BY f.ri ORDER BY f.i) AS rank
              FROM input f
             WHERE f.leader = f.i AND NOT EXISTS (SELECT 1 FROM stored s WHERE s.i = f.i)
          ), counts AS (
            SELECT f.ri, count(*) AS n FROM fresh f GROUP BY f.ri
          ), taken AS (
            SELECT take_seqs(array_agg(p_rooms[c.ri] ORDER BY c.ri), array_agg(c.n ORDER BY c.ri)) AS bases,
                   array_agg(c.ri ORDER BY c.ri) AS ris
              FROM counts c
          ), bumped AS (
            SELECT u.ri, u.base FROM taken t CROSS JOIN LATERAL unnest(t.ris, t.bases) AS u(ri, base) WHERE u.base IS NOT NULL
          ), inserted AS (
            INSERT INTO events (room_id, seq, id, kind, author, author_name, cid, body, data, mentions, ts)
            SELECT p_rooms[f.ri], b.base + f.rank, f.id, f.kind, f.author, f.name, f.cid, f.body, f.data, f.mentions, p_ts
              FROM fresh f JOIN bumped b ON b.ri = f.ri
          ), answers AS (
            SELECT f.i, b.base + f.rank AS seq, f.id, p_ts AS ts, f.kind, f.name, f.body, f.data, false AS dup
              FROM fresh f JOIN bumped b ON b.ri = f.ri
            UNION ALL
            SELECT s.i, s.seq, s.id, s.ts, s.kind, s.author_name, s.body, s.data, true FROM stored s
          )
          SELECT l.i::int, a.seq, a.id, a.ts, a.kind, a.name, a.body, a.data, a.dup OR l.leader <> l.i
            FROM input l JOIN answers a ON a.i = l.leader;
      END
      $fn$;
    `,
  },
  {
    version: 8,
    name: 'user logs: notices addressed to one user, with a seq per user',
    sql: `
      -- Each user's own log (added to a room, removed, mentioned, a direct room opened), resumed like
      -- a room's. Independent of migration 7. The head row is what serialises writers of one user's
      -- log across nodes, as a room's row does for its log; users who never got a notice have none.
      CREATE TABLE user_heads (
        user_id     text COLLATE "C" PRIMARY KEY,
        head_seq    bigint NOT NULL
      );
      -- No foreign key to users: notices may be addressed to someone who never connected yet.
      CREATE TABLE user_events (
        user_id     text COLLATE "C" NOT NULL,
        seq         bigint NOT NULL,
        id          text COLLATE "C" NOT NULL UNIQUE,
        kind        text NOT NULL,
        ts          bigint NOT NULL,
        data        jsonb NOT NULL,
        PRIMARY KEY (user_id, seq)
      );
    `,
  },
  {
    version: 12,
    name: 'bot accounts, their keys, positions and command manifests',
    sql: `
      -- A bot is a user (id 'bot:<slug>') an admin created; name_key reserves its name, case-folded,
      -- against every other bot, and the server keeps guests and renames off it too.
      CREATE TABLE bots (
        id          text COLLATE "C" PRIMARY KEY,
        name        text NOT NULL,
        name_key    text COLLATE "C" NOT NULL UNIQUE,
        created_at  timestamptz NOT NULL DEFAULT now()
      );
      -- Keys are kept as the SHA-256 of their secret (256 random bits: no slow hash needed); the
      -- secret itself is shown once. rooms is the key's scope; a revoked key stays listed.
      CREATE TABLE bot_keys (
        id          text COLLATE "C" PRIMARY KEY,
        bot_id      text COLLATE "C" NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
        hash        text NOT NULL,
        rooms       text[] NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        revoked_at  timestamptz NULL
      );
      CREATE INDEX bot_keys_bot_id_idx ON bot_keys (bot_id);
      -- Where each bot stopped in each room (bot_handled): a restarted bot resumes from here.
      CREATE TABLE bot_positions (
        bot_id      text COLLATE "C" NOT NULL,
        room_id     text COLLATE "C" NOT NULL,
        seq         bigint NOT NULL,
        PRIMARY KEY (bot_id, room_id)
      );
      -- The commands each bot offers in each room now; every change is also a 'commands' room event.
      CREATE TABLE bot_commands (
        room_id     text COLLATE "C" NOT NULL,
        bot_id      text COLLATE "C" NOT NULL,
        commands    jsonb NOT NULL,
        seq         bigint NOT NULL,
        PRIMARY KEY (room_id, bot_id)
      );
    `,
  },
];
