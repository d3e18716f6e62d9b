//! Command-line entry point. Each command is a thin shell over the library:
//! parse flags, call `generator::site`, print the result.

use clap::{Parser, Subcommand};
use generator::config::Config;
use generator::diagnostics::Severity;
use generator::site::Site;
use generator::theme::Theme;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// Builds a bilingual (中文/English) study site from a folder of markdown Q&A notes.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into a folder (default ./public), replacing it only when the build is complete.
    Build {
        /// Folder of markdown files: `foo.md` is Chinese, `foo.en.md` its English translation.
        #[arg(long, default_value = "content")]
        content: PathBuf,
        /// Where to write the site.
        #[arg(long, default_value = "public")]
        output: PathBuf,
        /// Absolute URL the site will be published at (e.g. https://user.github.io/repo/); overrides config.toml.
        #[arg(long)]
        base_url: Option<String>,
        /// Also build pages marked `draft = true`.
        #[arg(long)]
        drafts: bool,
        /// Site configuration (optional).
        #[arg(long, default_value = "config.toml")]
        config: PathBuf,
        /// Replace the output folder even when it holds files this generator did not write.
        #[arg(long)]
        force: bool,
    },
    /// Preview the site: build it in memory, serve it, and on every save re-render what changed and reload the browser.
    Serve {
        #[arg(long, default_value = "content")]
        content: PathBuf,
        /// Port to listen on; when taken, the next free one is used. 0 picks any free port.
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Address to listen on; 0.0.0.0 makes the preview reachable from other machines.
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Open the site in a browser.
        #[arg(long)]
        open: bool,
        /// Also show pages marked `draft = true`.
        #[arg(long)]
        drafts: bool,
        #[arg(long, default_value = "config.toml")]
        config: PathBuf,
    },
    /// Check the content without writing anything; lists every problem as path:line:col.
    Check {
        #[arg(long, default_value = "content")]
        content: PathBuf,
        /// Exit with status 1 on warnings too, not only on errors.
        #[arg(long)]
        deny_warnings: bool,
        #[arg(long, default_value = "config.toml")]
        config: PathBuf,
    },
}

fn main() -> ExitCode {
    // Deep recursion in a parser must not abort the whole build: content is
    // capped, and render threads get room to spare.
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(32 << 20)
        .build_global();
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Build {
            content,
            output,
            base_url,
            drafts,
            config,
            force,
        } => {
            let started = Instant::now();
            generator::output::check_output_folder(&output, &content, force)?;
            let (site, theme) = load(&content, &config, base_url, drafts)?;
            let mut report = None;
            generator::output::write_atomically(&output, |staging| {
                let sink = |path: String, bytes: Vec<u8>| staging.write(&path, &bytes);
                report = Some(site.render_each(&theme, &sink)?);
                site.asset_copies(&theme)
                    .0
                    .iter()
                    .try_for_each(|(rel, source)| staging.copy(rel, source))
            })?;
            let report = report.expect("filled by a successful build");
            for d in &report.diagnostics {
                eprintln!("{d}");
            }
            let s = report.summary;
            println!(
                "built {} pages, {} questions, {} formulas, {} code blocks, {} search entries ({:.0?}) into {} in {:.2?} ({} errors, {} warnings)",
                s.pages,
                s.questions,
                s.stats.formulas,
                s.stats.code_blocks,
                s.search_docs,
                s.search_time,
                output.display(),
                started.elapsed(),
                s.errors,
                s.warnings
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            content,
            port,
            bind,
            open,
            drafts,
            config,
        } => {
            generator::serve::run(generator::serve::ServeOptions {
                content,
                config,
                port,
                bind,
                open,
                drafts,
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Check {
            content,
            deny_warnings,
            config,
        } => {
            let (site, theme) = load(&content, &config, None, true)?;
            let report = site.render_each(&theme, &|_, _| Ok(()))?;
            for d in &report.diagnostics {
                println!("{d}");
            }
            let s = report.summary;
            println!(
                "checked {} pages, {} questions: {} errors, {} warnings",
                s.pages, s.questions, s.errors, s.warnings
            );
            let failed = report
                .diagnostics
                .iter()
                .any(|d| d.severity == Severity::Error || deny_warnings);
            Ok(if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

fn load(
    content: &Path,
    config: &Path,
    base_url: Option<String>,
    drafts: bool,
) -> anyhow::Result<(Site, Theme)> {
    if !content.is_dir() {
        anyhow::bail!(
            "content folder {} does not exist (pass --content DIR)",
            content.display()
        );
    }
    let mut config = Config::load(config)?;
    if let Some(url) = base_url {
        config.base_url = url;
    }
    let site_root = std::env::current_dir()?;
    let theme = Theme::load(&site_root, &config.theme)?;
    Ok((Site::load(content, config, drafts), theme))
}
