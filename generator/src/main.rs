//! Command-line entry point. Each command is a thin shell over the library:
//! parse flags, call `generator::site`, print the result.

use clap::{Parser, Subcommand};
use generator::config::Config;
use generator::diagnostics::Severity;
use generator::phases::Phase;
use generator::site::Site;
use generator::theme::Theme;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// See Cargo.toml: glibc's allocator grows slow with the heap of a large site.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Turns transparent huge pages off for this process. With the kernel's THP
/// set to `always` (Debian's default), every fresh page the allocator
/// touches is a 2 MB page the kernel zeroes first, and the allocator returns
/// and re-touches them as pages come and go: a 1,000-page build spent a
/// third of its CPU time in the kernel and peaked 30 % higher. The setting
/// applies from the next page fault on, so calling it first thing in `main`
/// covers all but the runtime's first allocations. And mimalloc is built
/// not to ask for huge pages (`no_thp`), which it did for its first arena
/// before `main`: with the kernel's `madvise` setting, each such page cost
/// a synchronous compaction, up to 11 ms for 2 MB on this 2-core machine.
fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_THP_DISABLE takes plain integer arguments and
    // only sets a flag on this process; a failure (old kernel) changes nothing.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Builds a bilingual (中文/English) study site from a folder of markdown Q&A notes.
///
/// Exit status: 0 when the site was written (or `check` found nothing to
/// deny); 1 when `check` finds errors, or warnings with `--deny-warnings`
/// (also `build --deny-warnings`, after writing the site); 2 when it cannot
/// run (bad flags, unreadable config, an output folder it refuses to replace).
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
        /// Exit with status 1 when the content has warnings or errors (the site is still written).
        #[arg(long)]
        deny_warnings: bool,
        /// Also write `.gz` and `.br` beside every text file, for hosts that serve them as they are.
        #[arg(long)]
        precompress: bool,
        /// Render every formula and code block afresh, without the cache kept
        /// between runs (in ~/.cache/dlq-generator).
        #[arg(long)]
        no_cache: bool,
        /// How problems are printed: `human` (the default on a terminal), `short`
        /// (`path:line:col: error[kind]: message`, the default otherwise), `json` (one object per line).
        #[arg(long, value_enum)]
        message_format: Option<MessageFormat>,
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
        /// How problems are printed (see `build --help`).
        #[arg(long, value_enum)]
        message_format: Option<MessageFormat>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum MessageFormat {
    Human,
    Short,
    Json,
}

/// Prints diagnostics to stderr in the chosen format (human with colour on
/// a terminal, short elsewhere: editors' problem matchers read that).
fn print_diagnostics(
    diagnostics: &[generator::diagnostics::Diagnostic],
    format: Option<MessageFormat>,
) {
    use std::io::IsTerminal;
    let terminal = std::io::stderr().is_terminal();
    let format = format.unwrap_or(if terminal {
        MessageFormat::Human
    } else {
        MessageFormat::Short
    });
    for d in diagnostics {
        match format {
            MessageFormat::Human => eprintln!("{}", d.human(terminal)),
            MessageFormat::Short => eprintln!("{d}"),
            MessageFormat::Json => eprintln!("{}", d.json()),
        }
    }
}

fn main() -> ExitCode {
    no_transparent_huge_pages();
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
            deny_warnings,
            precompress,
            no_cache,
            message_format,
        } => {
            let started = Instant::now();
            generator::output::check_output_folder(&output, &content, force)?;
            if let Some(file) =
                generator::render_cache::default_file(&content).filter(|_| !no_cache)
            {
                generator::render_cache::open(file);
            }
            let (site, theme) = generator::phases::timed(Phase::Parse, || {
                load(&content, &config, base_url, drafts)
            })?;
            let mut report = None;
            generator::output::write_atomically_with(&output, precompress, |staging| {
                let sink = |path: String, bytes: Vec<u8>| staging.write(&path, &bytes);
                report = Some(generator::build::render_each(&site, &theme, &sink)?);
                site.asset_copies(&theme)
                    .0
                    .iter()
                    .try_for_each(|(rel, source)| staging.copy(rel, source))
            })?;
            let report = report.expect("filled by a successful build");
            generator::render_cache::save();
            print_diagnostics(&report.diagnostics, message_format);
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
            if generator::phases::on() {
                println!("{}", generator::phases::report());
            }
            Ok(if deny_warnings && !report.diagnostics.is_empty() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
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
            message_format,
        } => {
            let (site, theme) =
                generator::phases::timed(Phase::Parse, || load(&content, &config, None, true))?;
            // What a build would write, counted instead of written.
            let bytes = std::sync::atomic::AtomicU64::new(0);
            let count = |_: String, b: Vec<u8>| {
                bytes.fetch_add(b.len() as u64, std::sync::atomic::Ordering::Relaxed);
                Ok(())
            };
            let report = generator::build::render_each(&site, &theme, &count)?;
            print_diagnostics(&report.diagnostics, message_format);
            let s = report.summary;
            println!(
                "checked {} pages, {} questions: {} errors, {} warnings ({:.0} MB of output besides copied files)",
                s.pages,
                s.questions,
                s.errors,
                s.warnings,
                bytes.into_inner() as f64 / 1e6
            );
            if generator::phases::on() {
                println!("{}", generator::phases::report());
            }
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
    // The theme's templates and the search glossary compile while the
    // notes are read (so a broken template is reported once they are). The
    // glossary is read as `Site::load` reads it, and the index finds its
    // aliases compiled (`Aliases::shared` compares the whole glossary).
    // Each side is timed where it runs: the calling thread only waits.
    let (theme_name, search) = (config.theme.clone(), config.search);
    let (theme, site) = rayon::join(
        || {
            generator::phases::timed(Phase::Parse, || {
                if search {
                    let glossary = generator::search_index::glossary_in(content);
                    generator::search_index::compile_glossary(&glossary);
                }
                Theme::load(&site_root, &theme_name)
            })
        },
        || generator::phases::timed(Phase::Parse, || Site::load(content, config, drafts)),
    );
    Ok((site, theme?))
}
