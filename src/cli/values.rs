//! The values flags `install`, `upgrade` and `template` share, as Helm spells
//! them, and reading what they name.

use std::io::Read;

use crate::chart::value_options::{Source, ValueOptions};
use crate::gotmpl::Entries;

/// `-f` and the `--set` family (Helm's `addValueOptionsFlags`).
#[derive(Debug, Clone, clap::Args)]
pub struct ValueArgs {
    /// Specify values in a YAML file (can specify multiple)
    #[arg(
        short = 'f',
        long = "values",
        value_name = "FILE",
        value_delimiter = ','
    )]
    pub value_files: Vec<String>,
    /// Set values on the command line (can specify multiple or separate values with commas: key1=val1,key2=val2)
    #[arg(long = "set", value_name = "KEY=VAL")]
    pub values: Vec<String>,
    /// Set STRING values on the command line (can specify multiple or separate values with commas: key1=val1,key2=val2)
    #[arg(long = "set-string", value_name = "KEY=VAL")]
    pub string_values: Vec<String>,
    /// Set values from respective files specified via the command line (can specify multiple or separate values with commas: key1=path1,key2=path2)
    #[arg(long = "set-file", value_name = "KEY=PATH")]
    pub file_values: Vec<String>,
    /// Set JSON values on the command line (can specify multiple or separate values with commas: key1=jsonval1,key2=jsonval2 or using json format: {"key1": jsonval1, "key2": "jsonval2"})
    #[arg(long = "set-json", value_name = "KEY=JSON")]
    pub json_values: Vec<String>,
    /// Set a literal STRING value on the command line
    #[arg(long = "set-literal", value_name = "KEY=VAL")]
    pub literal_values: Vec<String>,
}

impl ValueArgs {
    /// The user's values, merged in Helm's order; `-` reads standard input.
    pub fn merge(self) -> anyhow::Result<Entries> {
        let options = ValueOptions {
            value_files: self.value_files,
            json_values: self.json_values,
            values: self.values,
            string_values: self.string_values,
            file_values: self.file_values,
            literal_values: self.literal_values,
        };
        let merged = options.merge_values(|source| match source {
            Source::Stdin => {
                let mut data = Vec::new();
                std::io::stdin().read_to_end(&mut data)?;
                Ok(data)
            }
            Source::File(path) => std::fs::read(path),
        })?;
        Ok(merged)
    }
}
