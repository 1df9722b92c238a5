-- Users, groups and who belongs to which group.
-- Keep in step with migrations/sqlite/2026-11-23-000001_create_users_and_groups.

CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    login TEXT NOT NULL,
    email TEXT NOT NULL,
    first_name TEXT NULL,
    last_name TEXT NULL,
    admin BOOLEAN NOT NULL DEFAULT false,
    active BOOLEAN NOT NULL DEFAULT true,
    api_key_prefix TEXT NULL,
    api_key_hash TEXT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE UNIQUE INDEX users_lower_login_key ON users (lower(login));
CREATE UNIQUE INDEX users_lower_email_key ON users (lower(email));
CREATE INDEX users_api_key_prefix_idx ON users (api_key_prefix);

CREATE TABLE groups (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT NULL,
    active BOOLEAN NOT NULL DEFAULT true,
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
