-- 0015: forced password change (issue 12; docs/security.md "Authentication").
--
-- An administrator who sets a password (ResetPassword always, CreateUser when the request asks
-- for it) knows it. The flag makes the user replace it: while it is set, the server refuses
-- every call of that user except WhoAmI, ChangePassword and Logout (FAILED_PRECONDITION), and
-- the user's own ChangePassword clears it. Existing accounts, the demo users and the first
-- administrator made by `bootstrap` keep false. smd_app's table-level grant on app_user
-- (0001: SELECT, INSERT, UPDATE) covers the new column.
ALTER TABLE app_user ADD COLUMN must_change_password boolean NOT NULL DEFAULT false;
