/**
 * `sentryagent_audit_append()`: the audit chain's append in one statement. Under the
 * organization's advisory lock (the same key the adapter has always taken, so processes of older
 * versions still serialise with it), it reads the head — in a fresh snapshot, taken after the lock
 * is granted, because a volatile function gives each of its statements its own — and inserts the
 * events only when that head is the one they were linked to; otherwise it inserts nothing and
 * returns the true head, so that the caller can link again. One round trip per batch instead of
 * five (begin, lock, head, insert, commit): called outside a transaction, the statement is its own
 * transaction and is durable when it returns.
 *
 * @module
 */
import { sql, type Kysely, type Migration } from 'kysely'

/** Migration `0007-audit-append-function`. */
export const auditAppendFunction: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`
      create function sentryagent_audit_append(p_org text, p_after_seq bigint, p_after_hash text, p_events jsonb)
      returns table (appended boolean, head_seq bigint, head_hash text)
      language plpgsql volatile
      set search_path from current
      as $fn$
      declare
        h_seq bigint;
        h_hash text;
      begin
        perform pg_advisory_xact_lock(hashtextextended('sentryagent.audit:' || p_org, 0));
        select e.seq, e.hash into h_seq, h_hash
          from audit_events e where e.organization_id = p_org order by e.seq desc limit 1;
        if coalesce(h_seq, 0) <> p_after_seq or h_hash is distinct from p_after_hash then
          return query select false, h_seq, h_hash;
          return;
        end if;
        insert into audit_events
          (event_id, organization_id, seq, occurred_at, action, outcome, actor, agent_id, ip, details, prev_hash, hash)
        select r.event_id, p_org, r.seq, r.occurred_at, r.action, r.outcome, r.actor, r.agent_id, r.ip, r.details, r.prev_hash, r.hash
          from jsonb_to_recordset(p_events) as r(
            event_id text, seq bigint, occurred_at timestamptz, action text, outcome text, actor text,
            agent_id text, ip text, details jsonb, prev_hash text, hash text)
          order by r.seq;
        return query select true, null::bigint, null::text;
      end
      $fn$`.execute(db)
  },
  async down(db: Kysely<unknown>) {
    await sql`drop function if exists sentryagent_audit_append(text, bigint, text, jsonb)`.execute(db)
  },
}
