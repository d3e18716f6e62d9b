//! `serve`: a local preview that shows a saved change in the browser within
//! tens of milliseconds.
//!
//! The site is built once by the same pipeline as `build` and kept in memory
//! ([`store`]); [`http`] serves it; [`watch`] reports changed files in short
//! debounced batches; [`rebuild`] re-renders only what a batch affects, on a
//! thread of its own so that requests never wait for it; [`reload`] tells open
//! pages to reload (or to swap their stylesheets) and shows the errors of the
//! last rebuild over the page.
//!
//! Deliberately not here: writing the site to disk (that is `build`), and any
//! rebuild logic of its own: a page is always rendered by [`crate::site::Site`].

pub mod http;
pub mod rebuild;
pub mod reload;
pub mod store;
pub mod watch;

use crate::config::Config;
use crate::diagnostics::Diagnostic;
use anyhow::Context as _;
use rebuild::{Aggregates, Outcome, Workspace};
use reload::Notice;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use store::{SharedFiles, SiteFiles, Update};
use tokio::sync::broadcast;
use watch::{ChangeSet, SitePaths};

/// What `generator serve` was asked to do.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub content: PathBuf,
    pub config: PathBuf,
    /// 0 picks any free port; otherwise the next free one from here is used.
    pub port: u16,
    pub bind: IpAddr,
    pub open: bool,
    pub drafts: bool,
}

/// How many ports after the requested one are tried when it is taken.
const PORT_ATTEMPTS: u16 = 20;
/// Quiet time after a rebuild before stale pages and the search index are refreshed.
const IDLE: Duration = Duration::from_millis(50);
/// Pages re-rendered per step of a background refresh (a save waits at most one step).
const REFRESH_CHUNK: usize = 32;

/// Builds the site, serves it and rebuilds on changes until interrupted.
pub fn run(options: ServeOptions) -> anyhow::Result<()> {
    if !options.content.is_dir() {
        anyhow::bail!(
            "content folder {} does not exist (pass --content DIR)",
            options.content.display()
        );
    }
    if !options.bind.is_loopback() {
        eprintln!(
            "warning: serving on {} makes the preview (and your drafts) reachable from other machines",
            options.bind
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let listener = runtime.block_on(bind(options.bind, options.port))?;
    let address = listener.local_addr()?;
    let url = format!("http://{}/", shown_address(address));

    let site_root = std::env::current_dir()?;
    let absolute = |p: &Path| {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            site_root.join(p)
        }
    };
    let theme_name = Config::load(&options.config)?.theme;
    let paths = SitePaths {
        content_dir: absolute(&options.content),
        config: absolute(&options.config),
        theme_dir: site_root.join("themes").join(theme_name),
        site_root: site_root.clone(),
    };
    let mut workspace =
        Workspace::load(paths.clone(), &options.content, url.clone(), options.drafts)?;
    // The server answers from the start: pages appear in the store as the
    // first build renders them (the home page first), and a request for one
    // not rendered yet waits for it. Changes made meanwhile queue up.
    let files: SharedFiles = Arc::new(RwLock::new(SiteFiles::building()));
    let reloads = reload::channel();
    let app = http::router(http::AppState {
        files: files.clone(),
        reloads: reloads.clone(),
    });
    let server = runtime.spawn(async move { axum::serve(listener, app).await });
    // Ctrl-C stops serve at once, also during the first build (which runs
    // on this thread): there is nothing to save, the site is in memory.
    runtime.spawn(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            std::process::exit(0);
        }
    });
    let (change_tx, change_rx) = std::sync::mpsc::channel();
    let _watcher = watch::start(paths, change_tx).context("watching the site for changes")?;
    println!("serving {url}");
    if options.open {
        if let Err(err) = open::that_detached(&url) {
            eprintln!("could not open a browser ({err}); open {url} yourself");
        }
    }
    // Formulas and code blocks rendered by the last run are not rendered
    // again (only the cache's index is read here: the first page is not kept
    // waiting for the rest).
    if let Some(file) = crate::render_cache::default_file(&options.content) {
        crate::render_cache::open(file);
    }
    let first = workspace.render_all_watched(&|path, bytes| {
        if let Ok(mut files) = files.write() {
            files.put_early(path, bytes);
        }
    });
    // Written while the site is served and edited (at 16,000 pages it is
    // 880 MB); renders meanwhile read the old file.
    let _ = std::thread::Builder::new()
        .name("render-cache".into())
        .spawn(|| {
            crate::render_cache::save();
            release_freed_memory();
        });
    print_outcome(&first);
    apply(&files, first.update);

    let (aggregates_tx, aggregates_rx) = std::sync::mpsc::channel();
    {
        let files = files.clone();
        std::thread::Builder::new()
            .name("aggregates".into())
            .spawn(move || aggregates_loop(files, aggregates_rx))?;
    }
    {
        let (files, reloads) = (files.clone(), reloads.clone());
        std::thread::Builder::new()
            .name("rebuild".into())
            .spawn(move || rebuild_loop(workspace, files, reloads, change_rx, aggregates_tx))?;
    }
    runtime.block_on(server)??;
    Ok(())
}

/// Binds `port`, or the next free one after it (saying so); 0 lets the system pick.
async fn bind(ip: IpAddr, port: u16) -> anyhow::Result<tokio::net::TcpListener> {
    let last = if port == 0 {
        0
    } else {
        port.saturating_add(PORT_ATTEMPTS)
    };
    for candidate in port..=last {
        match listen(SocketAddr::new(ip, candidate)) {
            Ok(listener) => {
                if candidate != port {
                    println!("port {port} is in use; using {candidate} instead");
                }
                return Ok(listener);
            }
            Err(err) if err.kind() == std::io::ErrorKind::AddrInUse => continue,
            Err(err) => {
                return Err(err).with_context(|| format!("cannot listen on {ip}:{candidate}"))
            }
        }
    }
    anyhow::bail!("ports {port} to {last} on {ip} are all in use (pass --port N, or --port 0 for any free port)")
}

fn listen(address: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = match address {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
    };
    socket.bind(address)?;
    // Room for a browser's burst of parallel requests (and the tests' 200).
    socket.listen(1024)
}

/// The address to print: an unspecified bind address is reached through loopback.
fn shown_address(address: SocketAddr) -> String {
    match address.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => format!("127.0.0.1:{}", address.port()),
        IpAddr::V6(ip) if ip.is_unspecified() => format!("[::1]:{}", address.port()),
        _ => address.to_string(),
    }
}

fn apply(files: &SharedFiles, update: Update) {
    if update.is_empty() {
        return;
    }
    let mut files = match files.write() {
        Ok(files) => files,
        Err(poisoned) => poisoned.into_inner(),
    };
    files.apply(update);
}

fn print_outcome(outcome: &Outcome) {
    print_diagnostics(&outcome.diagnostics);
    if !outcome.summary.is_empty() {
        println!("{}", outcome.summary);
    }
}

fn print_diagnostics(diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        eprintln!("{d}");
    }
}

/// Builds the search index and the Anki decks from the latest snapshot it
/// was sent, off the rebuild thread (they take longer than re-rendering a
/// page), and in between compresses the pages held uncompressed (see
/// [`store::SiteFiles::to_compress`]), a few at a time so that a new
/// snapshot does not wait. All of it at low priority, and its parallel
/// parts on a pool of their own, one thread: on the global pool they made
/// the next save's pages wait (at 16,000 pages the index takes seconds).
fn aggregates_loop(files: SharedFiles, inputs: Receiver<Aggregates>) {
    use std::sync::mpsc::TryRecvError;
    lower_priority();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .thread_name(|_| "search-index".into())
        .start_handler(|_| lower_priority())
        .build();
    let mut compressing = true;
    loop {
        let next = if compressing {
            inputs.try_recv()
        } else {
            inputs.recv().map_err(|_| TryRecvError::Disconnected)
        };
        let mut input = match next {
            Ok(input) => input,
            Err(TryRecvError::Empty) => {
                compressing = compress_some(&files);
                if !compressing {
                    release_freed_memory();
                }
                continue;
            }
            Err(TryRecvError::Disconnected) => return,
        };
        while let Ok(newer) = inputs.try_recv() {
            input = newer;
        }
        let (update, took) = match &pool {
            Ok(pool) => pool.install(|| input.build()),
            Err(_) => input.build(),
        };
        let what = if update.clear_folder.is_some() {
            "search index"
        } else {
            "study decks"
        };
        apply(&files, update);
        println!("{what} updated in {} ms", took.as_millis());
        compressing = true;
    }
}

/// Compresses a few of the pages held uncompressed; false when there were none.
fn compress_some(files: &SharedFiles) -> bool {
    /// About 20 ms of work.
    const PAGES: usize = 16;
    let todo = match files.read() {
        Ok(files) => files.to_compress(PAGES),
        Err(_) => return false,
    };
    if todo.is_empty() {
        return false;
    }
    let done = todo
        .into_iter()
        .map(|(path, bytes)| {
            let deflated = store::deflate(&bytes);
            (path, bytes, deflated)
        })
        .collect();
    if let Ok(mut files) = files.write() {
        files.compressed(done);
    }
    true
}

/// Gives the memory of the pages replaced by their compressed form back to
/// the system. mimalloc returns a block freed by another thread than the
/// one that allocated it (here: the renderers) only when that thread
/// allocates again: without this, 1.3 GB at 16,000 pages stayed resident
/// until the next save, which then took 200 ms to collect it.
fn release_freed_memory() {
    // The allocator's library, linked by the `mimalloc` crate.
    use mimalloc as _;
    extern "C" {
        fn mi_collect(force: bool);
    }
    // SAFETY: mi_collect(bool) only frees memory the calling thread's heap
    // no longer uses; it is safe to call at any time, from any thread.
    rayon::broadcast(|_| unsafe { mi_collect(true) });
    unsafe { mi_collect(true) };
}

/// Lets the calling thread give way to every other of the process (a
/// save's rendering, the watcher, requests): on Linux a thread has a nice
/// value of its own.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority takes plain integers; 0 names the calling thread.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 19);
    }
}

/// Owns the workspace: applies each batch of changes, then, while nothing
/// else arrives, refreshes stale pages and the search index a step at a time.
fn rebuild_loop(
    mut workspace: Workspace,
    files: SharedFiles,
    reloads: broadcast::Sender<Notice>,
    changes: Receiver<ChangeSet>,
    aggregates: Sender<Aggregates>,
) {
    let mut stale: Vec<crate::plan::Output> = Vec::new();
    let mut aggregates_stale = false;
    loop {
        let idle_work = !stale.is_empty() || aggregates_stale;
        let mut batch = if idle_work {
            match changes.recv_timeout(IDLE) {
                Ok(batch) => batch,
                Err(RecvTimeoutError::Timeout) => {
                    if stale.is_empty() {
                        let _ = aggregates.send(workspace.aggregates());
                        aggregates_stale = false;
                    } else {
                        let at = stale.len().saturating_sub(REFRESH_CHUNK);
                        let chunk = stale.split_off(at);
                        let update = workspace.refresh_chunk(&chunk);
                        apply(&files, update);
                    }
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => return,
            }
        } else {
            match changes.recv() {
                Ok(batch) => batch,
                Err(_) => return,
            }
        };
        while let Ok(more) = changes.try_recv() {
            batch.merge(more);
        }
        let applied =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| workspace.apply(&batch)));
        let Ok(outcome) = applied else {
            eprintln!(
                "internal error while rebuilding (see the message above); the last good version \
                 stays served; restart serve if later saves do not show"
            );
            continue;
        };
        let complete = outcome.update.replace_all;
        let notice = outcome
            .reload
            .map(|r| reload::notice(r, &batch, &outcome.update));
        apply(&files, outcome.update);
        if let Some(notice) = notice {
            let _ = reloads.send(notice);
        }
        print_diagnostics(&outcome.diagnostics);
        if !outcome.summary.is_empty() {
            println!("rebuilt {}", outcome.summary);
        }
        if complete {
            stale.clear();
            aggregates_stale = false;
        } else {
            if outcome.refresh_needed {
                stale = workspace.listing_outputs();
            }
            aggregates_stale |= outcome.aggregates_stale;
        }
    }
}
