//! `wheelhouse completion SHELL`: shell completion scripts, printed to stdout
//! like `helm completion`.

use clap::CommandFactory;
use clap_complete::Shell;

use super::Cli;

/// Shells wheelhouse writes completion scripts for.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, clap::Args)]
pub struct CompletionArgs {
    /// The shell to generate the script for
    #[arg(value_enum)]
    pub shell: CompletionShell,
}

pub fn run(args: &CompletionArgs) -> anyhow::Result<()> {
    let shell = match args.shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "wheelhouse", &mut script);
    super::print_stdout(&String::from_utf8_lossy(&script))
}
