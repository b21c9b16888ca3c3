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
    version: 9,
    name: 'read positions per member (receipts, unread counts)',
    sql: `
      -- Where each member has read to and what has reached one of their devices (ADR 0013): positions
      -- on the membership row, not events, so a receipt never moves the room's head. A member starts
      -- at the head of the room when they join (nothing before their arrival is unread); members of
      -- today start at the head too.
      ALTER TABLE members ADD COLUMN last_read_seq bigint NOT NULL DEFAULT 0;
      ALTER TABLE members ADD COLUMN last_delivered_seq bigint NOT NULL DEFAULT 0;
      UPDATE members m SET last_read_seq = r.head_seq, last_delivered_seq = r.head_seq FROM rooms r WHERE r.id = m.room_id;
      CREATE FUNCTION members_start_read() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
      BEGIN
        SELECT r.head_seq INTO NEW.last_read_seq FROM rooms r WHERE r.id = NEW.room_id;
        NEW.last_read_seq := coalesce(NEW.last_read_seq, 0);
        NEW.last_delivered_seq := NEW.last_read_seq;
        RETURN NEW;
      END
      $fn$;
      CREATE TRIGGER members_start_read BEFORE INSERT ON members FOR EACH ROW EXECUTE FUNCTION members_start_read();
    `,
  },
  {
    version: 10,
    name: 'search: full-text and trigram indexes on the current text of messages',
    sql: `
      -- Extensions exist once per database, whatever schema Parley's tables are in: they go to a schema
      -- of their own (so that dropping one Parley schema never takes them along), or stay wherever a
      -- DBA put them. unaccent and pg_trgm are trusted extensions (PostgreSQL 13+): a role with CREATE on
      -- the database may install them; the embedded store loads both (pglite-worker.ts).
      SELECT pg_advisory_xact_lock(hashtext('parley.extensions'));
      DO $do$
      BEGIN
        CREATE SCHEMA IF NOT EXISTS parley_ext;
        CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA parley_ext;
        CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA parley_ext;
      EXCEPTION WHEN OTHERS THEN
        RAISE EXCEPTION 'search needs the PostgreSQL extensions unaccent and pg_trgm: %', SQLERRM
          USING HINT = 'Run CREATE EXTENSION unaccent; CREATE EXTENSION pg_trgm; as a role allowed to, or grant CREATE on the database to Parley''s role (see docs/deploy.md).';
      END
      $do$;

      -- search_text: the text search configuration every search and index uses; words lose their
      -- accents first ("ação" is indexed as "acao"), then the language's dictionary (simple, unless
      -- PARLEY_SEARCH_LANGUAGE maps it to a stemmer at start-up: store/search-language.ts).
      -- search_fold: the same folding for trigram matching of parts of words. Both name the extension's
      -- objects by the schema it is in, bound when created, so no search_path decides them later.
      CREATE TEXT SEARCH CONFIGURATION search_text (COPY = pg_catalog.simple);
      DO $do$
      DECLARE
        u text := (SELECT n.nspname FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace WHERE x.extname = 'unaccent');
        t text := (SELECT n.nspname FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace WHERE x.extname = 'pg_trgm');
      BEGIN
        EXECUTE format('ALTER TEXT SEARCH CONFIGURATION search_text ALTER MAPPING FOR word, hword, hword_part WITH %I.unaccent, simple', u);
        EXECUTE format(
          'CREATE FUNCTION search_fold(s text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE RETURN lower(%I.unaccent(%L::regdictionary, s))',
          u, u || '.unaccent');
        -- Only messages with text: never-edited ones in events; edited ones in messages (the body of
        -- their original event is then not their text any more, and the search reads past it).
        -- Deleted ones have no text anywhere (redaction, ADR 0012).
        EXECUTE format('CREATE INDEX events_search_trgm_idx ON events USING gin (search_fold(body) %I.gin_trgm_ops) WHERE kind = ''msg'' AND body IS NOT NULL', t);
        EXECUTE format('CREATE INDEX messages_search_trgm_idx ON messages USING gin (search_fold(body) %I.gin_trgm_ops) WHERE body IS NOT NULL', t);
      END
      $do$;
      CREATE INDEX events_search_idx ON events USING gin (to_tsvector('search_text'::regconfig, body)) WHERE kind = 'msg' AND body IS NOT NULL;
      CREATE INDEX messages_search_idx ON messages USING gin (to_tsvector('search_text'::regconfig, body)) WHERE body IS NOT NULL;
      -- A search filtered by author reads that author's messages, not every match of its words.
      CREATE INDEX events_search_author_idx ON events (author, id) WHERE kind = 'msg' AND body IS NOT NULL;
    `,
  },
  {
    version: 11,
    name: 'web push subscriptions, notification settings, link preview cache',
    sql: `
      -- One row per browser (push endpoint) a user asked to be told on. The endpoint is the key: a
      -- browser that signs in as someone else moves its subscription to them. The VAPID key pair is
      -- in settings (sharedSetting), like the guest secret.
      CREATE TABLE push_subscriptions (
        endpoint    text COLLATE "C" PRIMARY KEY,
        user_id     text COLLATE "C" NOT NULL,
        device      text NULL,
        p256dh      text NOT NULL,
        auth        text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);
      -- Do not disturb and muted rooms, what push honours; users who never changed them have no row.
      CREATE TABLE notify_settings (
        user_id     text COLLATE "C" PRIMARY KEY,
        dnd         boolean NOT NULL DEFAULT false,
        muted       text[] COLLATE "C" NOT NULL DEFAULT '{}'
      );
      -- Previews by URL, failures too (ok false), so a page that cannot be previewed is not fetched
      -- again on every request; fetched_at (ms) ages both out.
      CREATE TABLE link_previews (
        url         text COLLATE "C" PRIMARY KEY,
        ok          boolean NOT NULL,
        title       text NULL,
        description text NULL,
        site        text NULL,
        image       text NULL,
        fetched_at  bigint NOT NULL
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
  {
    version: 13,
    name: 'moderation: moderator role, room rules, sanctions, an append-only audit log, reports',
    sql: `
      -- Roles stay open strings on the wire (ADR 0011); storage knows the three it grants.
      ALTER TABLE members DROP CONSTRAINT members_role_check;
      ALTER TABLE members ADD CONSTRAINT members_role_check CHECK (role IN ('owner', 'moderator', 'member'));

      -- A room's rules; a room without a row has the defaults (no slow mode, open, guests post, no filter).
      CREATE TABLE room_rules (
        room_id       text COLLATE "C" PRIMARY KEY REFERENCES rooms (id) ON DELETE CASCADE,
        slow_ms       integer NOT NULL DEFAULT 0,
        locked        boolean NOT NULL DEFAULT false,
        guests        text NOT NULL DEFAULT 'post' CHECK (guests IN ('post', 'read')),
        words         jsonb NOT NULL DEFAULT '[]',
        filter_action text NOT NULL DEFAULT 'block' CHECK (filter_action IN ('block', 'hold')),
        pins          jsonb NOT NULL DEFAULT '[]'
      );

      -- Mutes and bans in force. subject: 'user:<id>' or, for a banned guest, 'device:<hash of the
      -- device id>'. until: ms epoch, NULL for a ban without end. A lifted one is deleted (the audit
      -- log keeps that it was).
      CREATE TABLE sanctions (
        room_id     text COLLATE "C" NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        subject     text COLLATE "C" NOT NULL,
        kind        text NOT NULL CHECK (kind IN ('mute', 'ban')),
        until       bigint NULL,
        by_user     text NOT NULL,
        reason      text NOT NULL DEFAULT '',
        PRIMARY KEY (room_id, subject, kind)
      );

      -- Who did what to whom, when and why. Append-only: no API edits or deletes a row, and the
      -- database refuses to as well.
      CREATE TABLE audit_log (
        id          bigserial PRIMARY KEY,
        ts          bigint NOT NULL,
        room_id     text COLLATE "C" NULL,
        actor       text NOT NULL,
        action      text NOT NULL,
        target      text NULL,
        reason      text NOT NULL DEFAULT '',
        seq         bigint NULL,
        data        jsonb NULL
      );
      CREATE INDEX audit_log_room_idx ON audit_log (room_id, id);
      CREATE FUNCTION audit_log_refuse() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        RAISE EXCEPTION 'the audit log is append-only';
      END
      $fn$;
      CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_refuse();
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse();

      -- Reports for moderators: a member's report of a message, or a message the filter held (its
      -- text kept here, not in the log, until a moderator lets it through or drops it).
      CREATE TABLE reports (
        id          bigserial PRIMARY KEY,
        kind        text NOT NULL CHECK (kind IN ('report', 'held')),
        room_id     text COLLATE "C" NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        seq         bigint NULL,
        reporter    text NOT NULL,
        reason      text NOT NULL,
        author      text NULL,
        author_name text NULL,
        body        text NULL,
        status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
        resolution  text NULL,
        resolved_by text NULL,
        created_at  bigint NOT NULL,
        resolved_at bigint NULL
      );
      CREATE INDEX reports_open_idx ON reports (status, id);
    `,
  },
  {
    version: 14,
    name: 'files: uploads, attachments on messages, their removal with the message',
    sql: `
      -- Files uploaded by users (protocol section 24). An upload belongs to its owner until a message
      -- attaches it (room_id, seq); one never attached is collected after the upload TTL. meta holds
      -- what the server measured (width, height, placeholder, animated, thumb, duration, waveform).
      -- state: 'receiving' (bytes still coming), 'ready' (checked, stored, attachable), 'attached',
      -- 'doomed' (its message was deleted: the sweeper removes the blobs, then the row).
      CREATE TABLE uploads (
        id          text COLLATE "C" PRIMARY KEY,
        owner       text COLLATE "C" NOT NULL,
        name        text NOT NULL,
        size        bigint NOT NULL,
        kind        text NULL,
        mime        text NULL,
        meta        jsonb NULL,
        state       text NOT NULL DEFAULT 'receiving' CHECK (state IN ('receiving', 'ready', 'attached', 'doomed')),
        room_id     text COLLATE "C" NULL,
        seq         bigint NULL,
        created_at  bigint NOT NULL
      );
      CREATE INDEX uploads_owner_idx ON uploads (owner);
      CREATE INDEX uploads_loose_idx ON uploads (created_at) WHERE room_id IS NULL;
      CREATE INDEX uploads_message_idx ON uploads (room_id, seq) WHERE room_id IS NOT NULL;

      -- The files of a msg, as the server described them when it was sent: [{id, kind, name, mime, size, ...}].
      ALTER TABLE events ADD COLUMN attachments jsonb NULL;

      -- A stored msg takes its uploads: from then on they are the room's (served to its members), and no
      -- longer collected. Only the sender's own ready uploads move; the send path checked them already.
      CREATE FUNCTION attach_uploads() RETURNS trigger
      LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
      BEGIN
        UPDATE uploads u SET state = 'attached', room_id = NEW.room_id, seq = NEW.seq
         WHERE u.id IN (SELECT a->>'id' FROM jsonb_array_elements(NEW.attachments) a)
           AND u.owner = NEW.author AND u.state = 'ready';
        RETURN NULL;
      END
      $fn$;
      CREATE TRIGGER events_attach AFTER INSERT ON events FOR EACH ROW
        WHEN (NEW.kind = 'msg' AND NEW.attachments IS NOT NULL)
        EXECUTE FUNCTION attach_uploads();

      -- Redaction takes the files with the text: the event forgets them and their uploads are doomed
      -- (the sweeper deletes the blobs, then the rows).
      CREATE FUNCTION redact_uploads() RETURNS trigger
      LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
      DECLARE
        v_target int8 := (NEW.data->>'target')::int8;
      BEGIN
        UPDATE events e SET attachments = NULL WHERE e.room_id = NEW.room_id AND e.seq = v_target AND e.attachments IS NOT NULL;
        UPDATE uploads u SET state = 'doomed' WHERE u.room_id = NEW.room_id AND u.seq = v_target;
        RETURN NULL;
      END
      $fn$;
      CREATE TRIGGER events_redact_uploads AFTER INSERT ON events FOR EACH ROW
        WHEN (NEW.kind = 'delete')
        EXECUTE FUNCTION redact_uploads();

      -- append_events as in migration 7, with attachments.
      DROP FUNCTION append_events(text[], int[], int[], int[], text[], text[], text[], text[], text[], text[], jsonb[], jsonb[], int8);
      CREATE FUNCTION append_events(
        p_rooms text[], p_counts int[], p_ri int[], p_rank int[], p_id text[], p_kind text[],
        p_author text[], p_name text[], p_cid text[], p_body text[], p_data jsonb[], p_mentions jsonb[], p_attachments jsonb[], p_ts int8
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
          INSERT INTO events AS e (room_id, seq, id, kind, author, author_name, cid, body, data, mentions, attachments, ts)
          SELECT p_rooms[x.ri], v_base[x.ri] + x.rank, x.id, x.kind, x.author, x.name, x.cid, x.body, x.data, x.mentions, x.attachments, p_ts
            FROM unnest(p_ri, p_rank, p_id, p_kind, p_author, p_name, p_cid, p_body, p_data, p_mentions, p_attachments)
                 AS x(ri, rank, id, kind, author, name, cid, body, data, mentions, attachments)
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
              FROM unnest(p_ri, p_id, p_kind, p_author, p_name, p_cid, p_body, p_data, p_mentions, p_attachments)
                   WITH ORDINALITY AS x(ri, id, kind, author, name, cid, body, data, mentions, attachments, i)
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
            INSERT INTO events (room_id, seq, id, kind, author, author_name, cid, body, data, mentions, attachments, ts)
            SELECT p_rooms[f.ri], b.base + f.rank, f.id, f.kind, f.author, f.name, f.cid, f.body, f.data, f.mentions, f.attachments, p_ts
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
    version: 15,
    name: 'buttons and selects on bot messages: their current state, ephemeral ones, spent action ids',
    sql: `
      -- The current buttons and selects of each bot message that has some (issue 14): set by its msg,
      -- replaced by an edit that carries actions, removed with the message. The events keep them in
      -- data->'actions' (lifted to the event's top-level actions on the wire); this is the projection.
      CREATE TABLE message_actions (
        room_id     text COLLATE "C" NOT NULL,
        seq         bigint NOT NULL,
        actions     jsonb NOT NULL,
        PRIMARY KEY (room_id, seq)
      );
      CREATE FUNCTION project_actions() RETURNS trigger
      LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
      BEGIN
        IF NEW.kind = 'msg' THEN
          INSERT INTO message_actions (room_id, seq, actions) VALUES (NEW.room_id, NEW.seq, NEW.data->'actions');
        ELSIF NEW.kind = 'edit' THEN
          INSERT INTO message_actions (room_id, seq, actions) VALUES (NEW.room_id, (NEW.data->>'target')::int8, NEW.data->'actions')
            ON CONFLICT (room_id, seq) DO UPDATE SET actions = EXCLUDED.actions;
        ELSE
          DELETE FROM message_actions WHERE room_id = NEW.room_id AND seq = (NEW.data->>'target')::int8;
        END IF;
        RETURN NULL;
      END
      $fn$;
      CREATE TRIGGER events_project_actions AFTER INSERT ON events FOR EACH ROW
        WHEN (NEW.kind = 'delete' OR (NEW.kind IN ('msg', 'edit') AND NEW.data ? 'actions'))
        EXECUTE FUNCTION project_actions();

      -- Ephemeral messages are not stored, except the buttons of those that have some: a click is
      -- checked against them (only the member they were shown to may use them).
      CREATE TABLE bot_ephemerals (
        id          text COLLATE "C" PRIMARY KEY,
        room_id     text COLLATE "C" NOT NULL,
        bot_id      text COLLATE "C" NOT NULL,
        to_user     text COLLATE "C" NOT NULL,
        actions     jsonb NOT NULL,
        ts          bigint NOT NULL
      );
      -- Action ids spent: a click reaches its bot at most once; the same id again is refused.
      CREATE TABLE bot_action_ids (
        user_id     text COLLATE "C" NOT NULL,
        aid         text COLLATE "C" NOT NULL,
        room_id     text COLLATE "C" NOT NULL,
        ts          bigint NOT NULL,
        PRIMARY KEY (user_id, aid)
      );
    `,
  },
  {
    version: 16,
    name: 'webhooks: incoming hooks, outgoing hooks and their delivery queue, key scopes, the moderation hook',
    sql: `
      -- A key's scopes beyond its rooms: 'moderate' lets its bot inspect messages before they are stored.
      ALTER TABLE bot_keys ADD COLUMN scopes text[] NOT NULL DEFAULT '{}';

      -- Incoming webhooks: POST /v1/hooks/<id> with the secret posts to room_id as "name". The secret
      -- is kept as its SHA-256 (256 random bits), shown once; a revoked hook stays listed.
      CREATE TABLE webhooks_in (
        id          text COLLATE "C" PRIMARY KEY,
        room_id     text COLLATE "C" NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        name        text NOT NULL,
        hash        text NOT NULL,
        created_by  text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        revoked_at  timestamptz NULL
      );
      CREATE INDEX webhooks_in_room_idx ON webhooks_in (room_id);

      -- Outgoing webhooks: each message of room_id (or only the invocations of one command) is POSTed
      -- to url, signed with secret (kept as is: the server must sign with it). position is the last
      -- seq turned into deliveries, so the queue is filled from the log and nothing is missed.
      CREATE TABLE webhooks_out (
        id          text COLLATE "C" PRIMARY KEY,
        room_id     text COLLATE "C" NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        command     text NULL,
        url         text NOT NULL,
        secret      text NOT NULL,
        position    bigint NOT NULL,
        created_by  text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX webhooks_out_room_idx ON webhooks_out (room_id);

      -- The delivery queue: one row per (hook, event), id '<hook>.<seq>' (what receivers de-duplicate
      -- on). A node claims a row until claimed_until; a delivery that failed its last attempt stays
      -- as 'dead' for an admin to retry or delete.
      CREATE TABLE webhook_deliveries (
        id            text COLLATE "C" PRIMARY KEY,
        hook_id       text COLLATE "C" NOT NULL REFERENCES webhooks_out (id) ON DELETE CASCADE,
        room_id       text COLLATE "C" NOT NULL,
        seq           bigint NOT NULL,
        payload       text NOT NULL,
        status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'dead')),
        attempts      integer NOT NULL DEFAULT 0,
        next_at       bigint NOT NULL,
        claimed_until bigint NOT NULL DEFAULT 0,
        last_error    text NOT NULL DEFAULT '',
        created_at    bigint NOT NULL,
        failed_at     bigint NULL
      );
      CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (status, next_at);

      -- The moderation hook of a room: bot_id inspects each message before it is stored, within
      -- timeout_ms; when it does not answer, fail 'open' lets the message through, 'closed' refuses it.
      CREATE TABLE moderation_hooks (
        room_id     text COLLATE "C" PRIMARY KEY REFERENCES rooms (id) ON DELETE CASCADE,
        bot_id      text COLLATE "C" NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
        timeout_ms  integer NOT NULL,
        fail        text NOT NULL CHECK (fail IN ('open', 'closed'))
      );
    `,
  },
  {
    version: 17,
    name: 'admin console: archived rooms (read-only, left out of the public room list), a room\'s own wait before new guests post links',
    sql: `
      ALTER TABLE room_rules ADD COLUMN archived boolean NOT NULL DEFAULT false;
      -- NULL: the server's PARLEY_GUEST_LINK_DELAY_MS.
      ALTER TABLE room_rules ADD COLUMN link_delay_ms bigint NULL;
    `,
  },
  {
    version: 19,
    name: 'search: stored folded text, room and link indexes for walking newest first',
    sql: `
      -- The text a search matches, folded once when a message is stored (lower case, no accents:
      -- search_fold), instead of on every row a search checks, which was most of its time (ADR 0025).
      -- Generated, so every path that inserts events or edits the projection fills it, and a
      -- redaction (body set to NULL) empties it. Adding it rewrites both tables once.
      ALTER TABLE events ADD COLUMN search_body text GENERATED ALWAYS AS (CASE WHEN kind = 'msg' THEN search_fold(body) END) STORED;
      ALTER TABLE messages ADD COLUMN search_body text GENERATED ALWAYS AS (search_fold(body)) STORED;
      DROP INDEX events_search_trgm_idx;
      DROP INDEX messages_search_trgm_idx;
      DO $do$
      DECLARE
        t text := (SELECT n.nspname FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace WHERE x.extname = 'pg_trgm');
      BEGIN
        EXECUTE format('CREATE INDEX events_search_trgm_idx ON events USING gin (search_body %I.gin_trgm_ops) WHERE kind = ''msg'' AND body IS NOT NULL', t);
        EXECUTE format('CREATE INDEX messages_search_trgm_idx ON messages USING gin (search_body %I.gin_trgm_ops) WHERE body IS NOT NULL', t);
      END
      $do$;
      -- A search in one room, or for messages with a link, walks these newest first as it walks the
      -- whole log by id (and one by an author walks events_search_author_idx).
      CREATE INDEX events_search_room_idx ON events (room_id, id) WHERE kind = 'msg' AND body IS NOT NULL;
      CREATE INDEX events_search_link_idx ON events (id) WHERE kind = 'msg' AND body ~* '(https?://|www\\.)[^\\s]';
    `,
  },
  {
    version: 20,
    name: 'search: the log\'s search indexes on a table of their own, fed after the commit',
    sql: `
      -- The two GIN indexes of the log cost most of an append's database CPU, all of it inside the
      -- commit. They move to search_texts, a copy of each never-deleted message's first text that the
      -- search indexer (store/search-indexer.ts) fills after the commit; a delete takes its row out.
      -- An append now only writes the log's btree indexes, among them events_tx_idx below (ADR 0028).
      --
      -- tx: the transaction that stored the event. The indexer's watermark is a snapshot: an event is
      -- new to it when its transaction is visible now and was not in the watermark. Only rows stored
      -- from here on have one (added without a default, so the table is not rewritten); older ones are
      -- copied below.
      ALTER TABLE events ADD COLUMN tx xid8 NULL;
      ALTER TABLE events ALTER COLUMN tx SET DEFAULT pg_current_xact_id();
      CREATE INDEX events_tx_idx ON events (tx) WHERE kind IN ('msg', 'delete');

      CREATE TABLE search_texts (
        room_id     text COLLATE "C" NOT NULL,
        seq         bigint NOT NULL,
        body        text NOT NULL,
        search_body text NOT NULL,
        PRIMARY KEY (room_id, seq)
      );
      -- One row: every event whose transaction is visible in this snapshot is in search_texts (or
      -- deleted from it). Written in the transaction that indexes them, so it survives any crash.
      CREATE TABLE search_watermark (
        one       boolean PRIMARY KEY DEFAULT true CHECK (one),
        snapshot  pg_snapshot NOT NULL
      );
      -- Nothing else writes events meanwhile (ADD COLUMN holds its lock until this commits): every
      -- event is either copied here or stored later with a tx this snapshot does not see.
      INSERT INTO search_texts (room_id, seq, body, search_body)
        SELECT e.room_id, e.seq, e.body, e.search_body FROM events e WHERE e.kind = 'msg' AND e.body IS NOT NULL;
      INSERT INTO search_watermark (snapshot) VALUES (pg_current_snapshot());

      DROP INDEX events_search_trgm_idx;
      DROP INDEX events_search_idx;
      DO $do$
      DECLARE
        t text := (SELECT n.nspname FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace WHERE x.extname = 'pg_trgm');
      BEGIN
        EXECUTE format('CREATE INDEX search_texts_trgm_idx ON search_texts USING gin (search_body %I.gin_trgm_ops)', t);
      END
      $do$;
      CREATE INDEX search_texts_idx ON search_texts USING gin (to_tsvector('search_text'::regconfig, body));
    `,
  },
  {
    version: 21,
    name: 'append_events locks its rooms once and moves their heads outside the subtransaction',
    sql: `
      -- Per-call costs of the fast path that a batch of a few messages pays in full (issue 17): the
      -- rooms were locked twice (here and again in take_seqs), and take_seqs moved their heads inside
      -- the exception block's subtransaction, which turns each room row's lock into a MultiXact. The
      -- lock and take_seqs' statements also planned for a rooms table they then read whole: without
      -- statistics (a new or small table), and with the dead versions that every head move leaves
      -- until its page is pruned, the generic plan scanned every room to find a few. enable_seqscan =
      -- off makes the planner take the primary key here, in take_seqs and in the triggers these
      -- inserts fire (all of them look rows up by key; a statement with no index to use still scans).
      DROP FUNCTION append_events(text[], int[], int[], int[], text[], text[], text[], text[], text[], text[], jsonb[], jsonb[], jsonb[], int8);
      CREATE FUNCTION append_events(
        p_rooms text[], p_counts int[], p_ri int[], p_rank int[], p_id text[], p_kind text[],
        p_author text[], p_name text[], p_cid text[], p_body text[], p_data jsonb[], p_mentions jsonb[], p_attachments jsonb[], p_ts int8
      ) RETURNS TABLE (k int, seq int8, id text, ts int8, kind text, name text, body text, data jsonb, dup boolean)
      LANGUAGE plpgsql SET search_path FROM CURRENT SET enable_seqscan = off AS $fn$
      #variable_conflict use_column
      DECLARE
        v_base int8[];
      BEGIN
        -- Outside the block below, whose rollback would release them: take_seqs' row locks are then
        -- held until the commit (the careful path reads which cids are stored while no other writer
        -- can add one to these rooms), and its head moves are not a subtransaction's update of rows
        -- its parent locked, which gets a MultiXact every later reader has to look up. The careful
        -- path gives the seqs back first and takes its own.
        v_base := take_seqs(p_rooms, p_counts::int8[]);
        BEGIN
          INSERT INTO events AS e (room_id, seq, id, kind, author, author_name, cid, body, data, mentions, attachments, ts)
          SELECT p_rooms[x.ri], v_base[x.ri] + x.rank, x.id, x.kind, x.author, x.name, x.cid, x.body, x.data, x.mentions, x.attachments, p_ts
            FROM unnest(p_ri, p_rank, p_id, p_kind, p_author, p_name, p_cid, p_body, p_data, p_mentions, p_attachments)
                 AS x(ri, rank, id, kind, author, name, cid, body, data, mentions, attachments)
           WHERE v_base[x.ri] IS NOT NULL;
          RETURN QUERY
            SELECT -g.i::int, v_base[g.i], NULL::text, NULL::int8, NULL::text, NULL::text, NULL::text, NULL::jsonb, false
              FROM generate_subscripts(p_rooms, 1) AS g(i)
             WHERE v_base[g.i] IS NOT NULL;
          RETURN;
        EXCEPTION WHEN unique_violation THEN
          NULL; -- Nothing of the fast path is kept: the careful path below decides every input again.
        END;
        UPDATE rooms r SET head_seq = r.head_seq - c.n FROM unnest(p_rooms, p_counts) AS c(room, n) WHERE r.id = c.room;
        RETURN QUERY
          WITH input AS (
            SELECT x.*, CASE WHEN x.cid IS NULL THEN x.i
                             ELSE min(x.i) OVER (PARTITION BY x.ri, x.author, x.cid) END AS leader
              FROM unnest(p_ri, p_id, p_kind, p_author, p_name, p_cid, p_body, p_data, p_mentions, p_attachments)
                   WITH ORDINALITY AS x(ri, id, kind, author, name, cid, body, data, mentions, attachments, i)
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
            INSERT INTO events (room_id, seq, id, kind, author, author_name, cid, body, data, mentions, attachments, ts)
            SELECT p_rooms[f.ri], b.base + f.rank, f.id, f.kind, f.author, f.name, f.cid, f.body, f.data, f.mentions, f.attachments, p_ts
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
      ALTER FUNCTION take_seqs(text[], int8[]) SET enable_seqscan = off;
    `,
  },
  {
    version: 22,
    name: 'search: the walks go through the search table; the log loses its folded text and walk indexes',
    sql: `
      -- A search walks messages newest first (ADR 0025) by room, by author, by link or across the log.
      -- Those walks followed three partial indexes of the log and matched its stored folded text, all
      -- written inside every append's commit: each insert computed the folded text (an SQL function the
      -- planner cannot inline, set up again for every statement) and three more index entries (the
      -- link test a regular expression). Measured with the insert of 8 messages per call, as the store
      -- batches them at half of saturation: a quarter of the backend's time (issue 17, bench/README.md).
      -- The search table, fed after the commit (migration 20, ADR 0028), now carries what a walk needs
      -- (the event's id, author and time) and the walks' indexes; the log keeps only what its own
      -- reads use (ADR 0029). Rebuilt rather than updated in place, so that its GIN indexes are built
      -- once instead of taking a second entry for every row.
      CREATE TABLE search_texts_next (
        room_id     text COLLATE "C" NOT NULL,
        seq         bigint NOT NULL,
        id          text COLLATE "C" NOT NULL,
        author      text COLLATE "C" NOT NULL,
        ts          bigint NOT NULL,
        body        text NOT NULL,
        search_body text NOT NULL
      );
      INSERT INTO search_texts_next (room_id, seq, id, author, ts, body, search_body)
        SELECT t.room_id, t.seq, e.id, e.author, e.ts, t.body, t.search_body
          FROM search_texts t JOIN events e ON e.room_id = t.room_id AND e.seq = t.seq;
      DROP TABLE search_texts;
      ALTER TABLE search_texts_next RENAME TO search_texts;
      ALTER TABLE search_texts ADD CONSTRAINT search_texts_pkey PRIMARY KEY (room_id, seq);
      DO $do$
      DECLARE
        t text := (SELECT n.nspname FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace WHERE x.extname = 'pg_trgm');
      BEGIN
        EXECUTE format('CREATE INDEX search_texts_trgm_idx ON search_texts USING gin (search_body %I.gin_trgm_ops)', t);
      END
      $do$;
      CREATE INDEX search_texts_idx ON search_texts USING gin (to_tsvector('search_text'::regconfig, body));
      -- The walks: across the log, in one room, by one author, among messages with a link (the same
      -- test as search.ts's LINK).
      CREATE INDEX search_texts_id_idx ON search_texts (id);
      CREATE INDEX search_texts_room_idx ON search_texts (room_id, id);
      CREATE INDEX search_texts_author_idx ON search_texts (author, id);
      CREATE INDEX search_texts_link_idx ON search_texts (id) WHERE body ~* '(https?://|www\\.)[^\\s]';
      DROP INDEX events_search_author_idx;
      DROP INDEX events_search_room_idx;
      DROP INDEX events_search_link_idx;
      ALTER TABLE events DROP COLUMN search_body;
    `,
  },
];
