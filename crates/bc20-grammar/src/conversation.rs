//! What the stream decoder knows about the command in progress: its response window (D13,
//! D51), the [`Context`] for the one ambiguous line (D26), and the kind each frame gets.

use std::borrow::Cow;

use crate::command::{CfgKeyword, CfgSetting, Command, MqttCommand};
use crate::cursor::Mode;
use crate::error::{DecodeError, DecodeErrorKind, WarningKind};
use crate::frame::{Direction, Frame, FrameKind};
use crate::line::{Context, Line};
use crate::response::Response;
use crate::urc::Urc;

/// What the decoder knows about the command in progress (for classification, D13 and D26).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Conversation {
    pub(crate) ctx: Context,
    /// The response window (D13): `Some` from a command (its echo, its line on the host side,
    /// or [`StreamDecoder::command_sent`](crate::StreamDecoder::command_sent)) to its final
    /// result code, holding the information response that command has.
    pub(crate) window: Option<Window>,
    /// Every command is visible (told by `command_sent`, or a capture of both directions):
    /// outside a window there is no command to answer, rather than one not seen.
    pub(crate) sees_commands: bool,
}

/// The information response a command's window admits (D51).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Window {
    /// The command has none (`AT`, `ATE0`, every write form of the note, ...).
    Nothing,
    Cpin,
    Cereg,
    Cgatt,
    Csq,
    /// `ATI`, `AT+CGMR`: lines of free text (D40).
    Text,
    QmtOpenRead,
    QmtConnRead,
    /// The query forms `AT+QMTCFG="<keyword>",<id>`: the response of that keyword.
    QmtCfg(CfgKeyword),
    /// `AT+QMTxxx=?`.
    Test(MqttCommand),
}

impl Window {
    fn of(cmd: &Command<'_>) -> Window {
        use Command as C;
        match cmd {
            C::CpinRead => Window::Cpin,
            C::CeregRead => Window::Cereg,
            C::CgattRead => Window::Cgatt,
            C::Csq => Window::Csq,
            C::Ati | C::Cgmr => Window::Text,
            C::QmtOpenRead => Window::QmtOpenRead,
            C::QmtConnRead => Window::QmtConnRead,
            C::QmtCfg {
                setting: CfgSetting::Query(keyword),
                ..
            } => Window::QmtCfg(*keyword),
            C::QmtCfgTest => Window::Test(MqttCommand::QmtCfg),
            C::QmtOpenTest => Window::Test(MqttCommand::QmtOpen),
            C::QmtCloseTest => Window::Test(MqttCommand::QmtClose),
            C::QmtConnTest => Window::Test(MqttCommand::QmtConn),
            C::QmtDiscTest => Window::Test(MqttCommand::QmtDisc),
            C::QmtSubTest => Window::Test(MqttCommand::QmtSub),
            C::QmtUnsTest => Window::Test(MqttCommand::QmtUns),
            C::QmtPubTest => Window::Test(MqttCommand::QmtPub),
            _ => Window::Nothing,
        }
    }

    fn admits(self, r: &Response<'_>) -> bool {
        use CfgKeyword as K;
        use Response as R;
        match (self, r) {
            (Window::Cpin, R::Cpin { .. })
            | (Window::Cereg, R::Cereg { .. })
            | (Window::Cgatt, R::Cgatt { .. })
            | (Window::Csq, R::Csq { .. })
            | (Window::Text, R::Text { .. })
            | (Window::QmtOpenRead, R::QmtOpenRead { .. })
            | (Window::QmtConnRead, R::QmtConnRead { .. }) => true,
            (Window::QmtCfg(K::KeepAlive), R::QmtCfgKeepAlive { .. })
            | (Window::QmtCfg(K::Session), R::QmtCfgSession { .. })
            | (Window::QmtCfg(K::Timeout), R::QmtCfgTimeout { .. })
            | (Window::QmtCfg(K::Will), R::QmtCfgWill { .. })
            | (Window::QmtCfg(K::AliAuth), R::QmtCfgAliAuth { .. }) => true,
            (Window::Test(want), R::Test { command, .. }) => want == *command,
            _ => false,
        }
    }
}

impl Conversation {
    pub(crate) fn command(&mut self, cmd: &Command<'_>) {
        self.ctx.conn_read_pending = matches!(cmd, Command::QmtConnRead);
        self.window = Some(Window::of(cmd));
    }

    /// Sets the frame's kind; an information response outside its window becomes an error
    /// (strict) or an `Unknown` line with a warning (lenient), D13 and D51.
    pub(crate) fn classify(&mut self, frame: &mut Frame<'_>, direction: Direction, mode: Mode) {
        let outside = |window: Option<Window>, sees: bool, r: &Response<'_>| match window {
            Some(w) => !w.admits(r),
            None => sees,
        };
        frame.kind = match &mut frame.decoded {
            Err(_) => FrameKind::Error,
            Ok(d) => match &d.line {
                Line::Command(c) => {
                    self.command(c);
                    match direction {
                        Direction::ModemToHost => FrameKind::Echo,
                        Direction::HostToModem => FrameKind::Command,
                    }
                }
                Line::Response(r) if r.is_final() => {
                    self.ctx = Context::default();
                    self.window = None;
                    FrameKind::Final
                }
                Line::Response(r) if outside(self.window, self.sees_commands, r) => {
                    let text = match &frame.raw {
                        Cow::Borrowed(raw) => std::str::from_utf8(raw).ok().map(Cow::Borrowed),
                        Cow::Owned(raw) => std::str::from_utf8(raw)
                            .ok()
                            .map(|t| Cow::Owned(t.to_owned())),
                    };
                    match (mode, text) {
                        (Mode::Lenient, Some(text)) => {
                            d.line = Line::Urc(Urc::Unknown { text });
                            d.warnings.push(0, WarningKind::OutsideWindow);
                            FrameKind::Urc
                        }
                        _ => {
                            frame.decoded =
                                Err(DecodeError::new(0, DecodeErrorKind::OutsideWindow));
                            FrameKind::Error
                        }
                    }
                }
                Line::Response(_) if self.window.is_none() => FrameKind::Unpaired,
                Line::Response(_) => FrameKind::Response,
                Line::Urc(_) => FrameKind::Urc,
            },
        };
    }
}
