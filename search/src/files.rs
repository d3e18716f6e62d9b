//! Where the index's files are, below the index folder: named here once,
//! for the generator that writes them and the engine that asks for them.

/// Term shard `id`.
pub fn shard_file(id: u32) -> String {
    format!("shards/{id}.txt")
}

/// Document chunk `chunk`, with `per_folder` chunks in each folder (a file
/// system creates the files of one folder one at a time).
pub fn docs_file(chunk: u32, per_folder: u32) -> String {
    format!("docs/{}/{chunk}.json", chunk / per_folder.max(1))
}

/// The vocabulary of the words that start with `key` (see [`crate::fuzzy::vocab_key`]).
pub fn vocab_file(key: char) -> String {
    format!("vocab/{key}.txt")
}
