//! Migrations are append-only: once a migration has landed, a database somewhere may
//! have run it, and sqlx refuses to start on a database whose applied migration's
//! checksum no longer matches the file. Each landed migration's checksum is pinned
//! here; a new migration is a new file (and a new line below), never an edit.

use std::path::Path;

/// (backend folder, file, SHA-384 of its text as sqlx computes it).
const LANDED: &[(&str, &str, &str)] = &[
    (
        "postgres",
        "0001_initial.sql",
        "cc45775d772a6fe99341d4c6dd5a384aa081885213d81ae10daad50146e7aed85e687794ec82b9cdd266f13831bccf69",
    ),
    (
        "postgres",
        "0002_ranked_counts.sql",
        "2ec253226dab6ca3e4fce1f00d19bace82412c157f6674147f422121df7b6fe6e015ff030451ae901f53a81fce80cbc5",
    ),
    (
        "postgres",
        "0003_freezes.sql",
        "a79e49c6487f00566639622ac26ce2ce261f63f01c0c23deb5b145b97269379eb950a4d3974d841d69ab7f94966eea7b",
    ),
    (
        "postgres",
        "0004_streak_adjustments.sql",
        "4beeb3cda63c9a5baf53e3ca5ca0714914e1c46d2b79726318bd9a2e3a0f63b0b1d68eaee68ae7c80691f25fb02b98b5",
    ),
    (
        "postgres",
        "0005_practice.sql",
        "46291ad3940f18f94ba5075bc43c08c3987b175c673f139278caf60a955ba2b11339db4f1af450f21bb550aac40c84b9",
    ),
    (
        "postgres",
        "0006_question_stats.sql",
        "6ef4e9d1786468bfab16774a9256050a8e4af567bcd16db249819fa51bcbb65189e28e6b955020078f3371118f8f3d43",
    ),
    (
        "postgres",
        "0007_banks_and_suggestions.sql",
        "37fb1255401cb849dba688af69252691a3138a4a67f5ac676f3547f35ef8b3f8f1952689b1e1f839efa36a2b07d6ded7",
    ),
    (
        "postgres",
        "0008_kept_counts_per_batch.sql",
        "af23e525a23d17829a97ef3ffe8e66c4c7bdc482b117ef001ba6c93af623448d2755cc9db3b1aa40fa66bae12f0f0263",
    ),
    (
        "postgres",
        "0009_kept_counts_by_statement.sql",
        "c5dcfc07b6f3e99ece71de0c6879c9471d37f1e93be00e445cf6280716212c2934a7b91692f39f0149ce7c996867dac2",
    ),
    (
        "postgres",
        "0010_post_answer_counts_follow_answers.sql",
        "e5ca8b6d70d1dceee310057d99e9ce23a49dbdbcd9e17f9b9983d5b2d592343b78d9db1f207c05df7fc5bc750d595abd",
    ),
    (
        "postgres",
        "0011_reveal_show_claim.sql",
        "387651d1ad199d5b68be87eb8d03bb1759e9b920e2bdcce6cf526b30513afee28dbbe2b901a0ebf95bd35807298fd125",
    ),
    (
        "postgres",
        "0012_streak_before_latest_post.sql",
        "be06167451569f6b61d93f9d408e57e89034dcb64037e1ce6cd7c2db8b82aa97740a18681c852426b86ace32e4a8007f",
    ),
    (
        "postgres",
        "0013_schedule_refusals.sql",
        "6ca2444d9520c026fce7203d5ff1d86ca2d801a7756aa5101babd103abf20b1f83400b2820208521ed895eda5952de53",
    ),
    (
        "postgres",
        "0014_private_answers.sql",
        "71ed90d0e0af0ce5e3308580d228645a5b9fcad5726e9931170563dc3acbe21ff30eb5e429e5daa9a56ea37840f87025",
    ),
    (
        "postgres",
        "0015_reminders_rewards_seasons.sql",
        "44bc5ab109297137aba638a2d9fd04a90a07d3de62f1e2df0336f4c6a014910a9cd5c03969dbd3b9c84d1ac007215cf5",
    ),
    (
        "postgres",
        "0016_privacy.sql",
        "7da044ba4809375aa6dd407fb06d9cb85a0d8c01857956316adf99674e40ae3050d1ed255cd4de946da63d2c61c0e708",
    ),
    (
        "sqlite",
        "0001_initial.sql",
        "e5bba05d5afc7d2218881590ba77269a2e6edaf9ec1409b2677100b519fb9a671429762d0f29f16bdbf2b0681bbaa62a",
    ),
    (
        "sqlite",
        "0002_indexes.sql",
        "769d97d7dc35c8606baa2d92afd4c57258a0482a46e3e9085b738a973fce564712ff95bc4fdce5c2a8ec3330c8d5a3b1",
    ),
    (
        "sqlite",
        "0003_ranked_counts.sql",
        "762667b0337f39de030860dec0417b2920eab99ff6831991446703407b498b456f0f55b43820b154e8b3c6104e08ebd9",
    ),
    (
        "sqlite",
        "0004_freezes.sql",
        "56015b553dd817852a448e01fc78ac19a77c23cfc6d64c77a948b42db3d5aca394a80531e2de6e769fa3683244d51e4c",
    ),
    (
        "sqlite",
        "0005_streak_adjustments.sql",
        "9b48fe2f99315d681e9cfb55534eded454adb179557a9188e8a48936156dc7dda3d0124aa7336ecf6c9e7814dbe5ee26",
    ),
    (
        "sqlite",
        "0006_practice.sql",
        "a790574e420bc341997fc9bba1c238a069e9ba89d76b814d4ab602c2f9fd83b1de212dab0a93eee4ea3cc331fc3666a5",
    ),
    (
        "sqlite",
        "0007_question_stats.sql",
        "4e046ec4872c4a6f0e723383b7f709d96f6e9e8871976d137edd7214ce21728aa70b4487dfa864680beb2cd6c9272373",
    ),
    (
        "sqlite",
        "0008_banks_and_suggestions.sql",
        "dcdda37ca3af7780cf5116d437e08d210521b0b4439ab4e7398b53365f7898e9f2cfafa0eef6326b33c2832fef017468",
    ),
    (
        "sqlite",
        "0009_post_answer_counts_follow_answers.sql",
        "3dc89325c057692dfa0752d31e81040ce6dedb654cc54d6e163fa2c0136bda8a46b314461a8a7926449213b3f45802ed",
    ),
    (
        "sqlite",
        "0010_reveal_show_claim.sql",
        "c07d59c5b360ddea751a0fc268293c7b1882b2d17eb4304f7a84ff3af516f771203cfb9703ac9fb7815e9669ef96a899",
    ),
    (
        "sqlite",
        "0011_streak_before_latest_post.sql",
        "be06167451569f6b61d93f9d408e57e89034dcb64037e1ce6cd7c2db8b82aa97740a18681c852426b86ace32e4a8007f",
    ),
    (
        "sqlite",
        "0012_schedule_refusals.sql",
        "6ca2444d9520c026fce7203d5ff1d86ca2d801a7756aa5101babd103abf20b1f83400b2820208521ed895eda5952de53",
    ),
    (
        "sqlite",
        "0013_private_answers.sql",
        "d0191f899218ab2c7d10205295440ab82e621b28f9aae466391fd5f49f970044e4a21f30ab6c08ce4a456df4f7c972b8",
    ),
    (
        "sqlite",
        "0014_reminders_rewards_seasons.sql",
        "227c14f314b64db492c7e1db4cac73464a346f5724e7e80252cec12af58221595df4835c0b5f717b0228183c99cd7381",
    ),
    (
        "sqlite",
        "0015_privacy.sql",
        "6586f44c5b1fc2e2571a7f9c380fcaadc4522a71138461777fbf8f7e79be2a5973a59f1924eb1a2152c125ccf6830125",
    ),
];

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn every_landed_migration_keeps_its_checksum() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    for backend in ["postgres", "sqlite"] {
        let migrator = sqlx::migrate::Migrator::new(root.join(backend))
            .await
            .unwrap();
        let pinned: Vec<_> = LANDED.iter().filter(|(b, ..)| *b == backend).collect();
        let found: Vec<_> = migrator.iter().collect();
        assert!(
            found.len() >= pinned.len(),
            "{backend}: a landed migration was removed"
        );
        for (migration, (_, file, checksum)) in found.iter().zip(&pinned) {
            let name = format!(
                "{:04}_{}.sql",
                migration.version,
                migration.description.replace(' ', "_")
            );
            assert_eq!(
                &name, file,
                "{backend}: a landed migration was renamed or renumbered"
            );
            assert_eq!(
                hex(&migration.checksum),
                *checksum,
                "{backend}/{file} was edited after it landed: add a new migration instead"
            );
        }
    }
}
