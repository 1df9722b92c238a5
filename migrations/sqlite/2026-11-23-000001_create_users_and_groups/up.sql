-- Users, groups and who belongs to which group.
-- Keep in step with migrations/postgres/2026-11-23-000001_create_users_and_groups.
-- Ids: INTEGER PRIMARY KEY is SQLite's 64-bit rowid (BigInt in schema.rs);
-- AUTOINCREMENT keeps ids of deleted rows from being reused, as BIGSERIAL does.

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    login TEXT NOT NULL,
    email TEXT NOT NULL,
    first_name TEXT NULL,
    last_name TEXT NULL,
    admin BOOLEAN NOT NULL DEFAULT FALSE,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    api_key_prefix TEXT NULL,
    api_key_hash TEXT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE UNIQUE INDEX users_lower_login_key ON users (lower(login));
CREATE UNIQUE INDEX users_lower_email_key ON users (lower(email));
CREATE INDEX users_api_key_prefix_idx ON users (api_key_prefix);

CREATE TABLE groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE UNIQUE INDEX groups_lower_name_key ON groups (lower(name));

CREATE TABLE group_memberships (
    group_id BIGINT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
);

CREATE INDEX group_memberships_user_id_idx ON group_memberships (user_id);
