// @generated automatically by Diesel CLI.

diesel::table! {
    group_memberships (group_id, user_id) {
        group_id -> Int8,
        user_id -> Int8,
    }
}

diesel::table! {
    groups (id) {
        id -> Int8,
        name -> Text,
        email -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Int8,
        login -> Text,
        email -> Text,
        first_name -> Nullable<Text>,
        last_name -> Nullable<Text>,
        admin -> Bool,
        active -> Bool,
        api_key_prefix -> Nullable<Text>,
        api_key_hash -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(group_memberships -> groups (group_id));
diesel::joinable!(group_memberships -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(group_memberships, groups, users,);
