DROP TABLE group_memberships;
DROP TABLE groups;
DROP TABLE users;
