-- NuScape schema, version 15: the alert evaluator leases marks instead of holding them locked.
--
-- Until now an evaluator deleted the marks it took in the transaction that evaluated them, so a drain
-- marking the same device and day waited for the whole evaluation. Now a claim is a short transaction that
-- sets claimed_until; the evaluation runs outside any transaction; a second transaction records the alerts and
-- deletes the marks whose version is still the one claimed. A drain that marks again meanwhile bumps the
-- version and clears the lease: its mark stays for the next round. An evaluator that dies leaves its lease
-- to run out, and the marks are evaluated again (the alerts' unique keys make that record nothing twice).
-- Marking again leaves marked_at as it was: it is the time of the oldest change not yet evaluated, so a
-- device that every drain marks keeps its place in the evaluators' line (oldest first) instead of going
-- to its back each time. A mark a round evaluated but could not delete (marked again meanwhile) goes to the
-- back, so that devices marked by every drain cannot keep the others waiting.
-- Versions come from a sequence, never reused: a mark deleted and made again (a later drain, retention,
-- erasure) can never carry the version an evaluator claimed earlier, so that evaluator cannot delete it.
CREATE SEQUENCE limit_mark_versions;
ALTER TABLE limit_marks
    ADD COLUMN claimed_until timestamptz,
    ADD COLUMN version bigint NOT NULL DEFAULT nextval('limit_mark_versions');

GRANT UPDATE (claimed_until, version) ON limit_marks TO nuscape_drainer, nuscape_api, nuscape_alerts;
GRANT USAGE ON SEQUENCE limit_mark_versions TO nuscape_drainer, nuscape_api;
