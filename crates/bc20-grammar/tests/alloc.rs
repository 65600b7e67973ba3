//! The borrowing decode path does no heap allocation per frame: proven with a counting
//! global allocator around a realistic stream.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use bc20_grammar::{Command, Decoded, Line, Mode, StreamConfig, StreamDecoder};

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn stream() -> Vec<u8> {
    let mut s = Vec::new();
    for i in 0..500u32 {
        s.extend_from_slice(
            format!(
                "AT+QMTPUB=0,{},1,0,\"dev/{i}\",\"hello {i}\"\r\r\nOK\r\n",
                i % 65535 + 1
            )
            .as_bytes(),
        );
        s.extend_from_slice(format!("\r\n+QMTPUB: 0,{},0\r\n", i % 65535 + 1).as_bytes());
        s.extend_from_slice(
            format!("\r\n+QMTRECV: 1,{i},\"a/b\",\"{{\"t\":{i},\"v\":\"x\"}}\"\r\n").as_bytes(),
        );
        s.extend_from_slice(
            b"\r\n+QMTSUB: 0,7,0,1,128\r\n\r\n+QMTSTAT: 2,1\r\n\r\n+CME ERROR: 50\r\n",
        );
        s.extend_from_slice(b"\r\n+QMTCFG: \"will\",1,1,0,\"t\",\"gone\"\r\ngarbage \x00\r\n\r\n+QMTRECV: 0,0,\"t\",\"a\r\nb\"\r\n");
        s.extend_from_slice(b"AT+QMTSUB=0,9,\"a/+\",0,\"b/#\",1\r\r\nOK\r\n");
    }
    s
}

/// Frames per round of [`stream`].
const FRAMES_PER_ROUND: usize = 12;

#[test]
fn decoding_a_stream_allocates_nothing_per_frame() {
    let bytes = stream();
    for mode in [Mode::Strict, Mode::Lenient] {
        // 61-byte reads go through the decoder's buffer; the whole stream is decoded in place.
        for read in [61, bytes.len()] {
            let mut dec = StreamDecoder::new(StreamConfig {
                mode,
                ..StreamConfig::default()
            });
            let mut frames = 0usize;
            let mut errors = 0usize;
            let mut topic_bytes = 0usize;
            ALLOCS.store(0, Ordering::Relaxed);
            COUNTING.with(|c| c.set(true));
            for chunk in bytes.chunks(read) {
                dec.feed(chunk, |f| {
                    frames += 1;
                    errors += usize::from(f.decoded.is_err());
                    // A decoded topic list is read from the line again, still without allocating.
                    if let Ok(Decoded {
                        line: Line::Command(Command::QmtSub { topics, .. }),
                        ..
                    }) = &f.decoded
                    {
                        topic_bytes += topics.iter().map(|t| t.topic.len()).sum::<usize>();
                    }
                });
            }
            dec.finish(|_| frames += 1);
            COUNTING.with(|c| c.set(false));
            assert_eq!(
                ALLOCS.load(Ordering::Relaxed),
                0,
                "{mode:?}, {read}-byte reads: allocations while decoding {frames} frames"
            );
            assert_eq!(frames, 500 * FRAMES_PER_ROUND, "{mode:?}");
            assert_eq!(errors, 500, "{mode:?}: one garbage line per round");
            assert_eq!(topic_bytes, 500 * 6, "{mode:?}");
        }
    }
}
