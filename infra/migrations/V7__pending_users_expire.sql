-- NuScape schema, version 7: retention removes invited users who never accepted once their invitations
-- ended, so that an unanswered invitation does not hold an email for ever.
GRANT SELECT (user_id, activated_at), DELETE ON users TO nuscape_retention;
GRANT SELECT (user_id) ON invitations TO nuscape_retention;
