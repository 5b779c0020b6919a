//! `passctl devices`: the printers, readers and cameras there are and those
//! the station uses; an administrator's choice of them (kept in
//! `station.json`); a test card printed, and the card on the reader read.
//! Each is one `pass_station::ops::devices` call.

use std::path::PathBuf;

use pass_station::StationError;
use pass_station::auth::Duty;
use pass_station::ops::devices::{self, CardSource, DevicesView, TestReadView};
use pass_station::station::{CameraChoice, DeviceChoices};

use super::{Context, Outcome, Show};

#[derive(Debug, clap::Args)]
pub struct DevicesArgs {
    #[command(subcommand)]
    action: Option<DevicesAction>,
}

#[derive(Debug, clap::Subcommand)]
pub enum DevicesAction {
    /// Choose the station's devices (administrator); those not named stay as they are.
    Set(SetArgs),
    /// Print a specimen card (no credential, no pass's data) on the chosen printer.
    TestPrint {
        /// This CUPS queue instead of the chosen one.
        #[arg(long, value_name = "QUEUE", conflicts_with = "pdf")]
        printer: Option<String>,
        /// Write the PDF into this folder instead.
        #[arg(long, value_name = "DIR")]
        pdf: Option<PathBuf>,
    },
    /// Read the card on the chosen reader and say what it is.
    TestRead {
        /// This reader instead of the chosen one.
        #[arg(long, value_name = "NAME")]
        reader: Option<String>,
    },
}

#[derive(Debug, clap::Args)]
pub struct SetArgs {
    /// The CUPS queue cards print to.
    #[arg(long, value_name = "QUEUE")]
    printer: Option<String>,
    /// The PC/SC reader chips are written on.
    #[arg(long, value_name = "NAME")]
    reader: Option<String>,
    /// A webcam by its index (0 is the first), or a folder of pictures played as the camera.
    #[arg(long, value_name = "INDEX|DIR")]
    camera: Option<String>,
    /// Go back to the default for these: the printer (PDF folder), the reader
    /// (the first with a card), the camera (none).
    #[arg(long, value_enum, value_name = "DEVICE")]
    clear: Vec<Device>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Device {
    Printer,
    Reader,
    Camera,
}

/// A webcam index, or a folder.
fn camera_choice(text: String) -> CameraChoice {
    match text.parse() {
        Ok(index) => CameraChoice::Webcam { index },
        Err(_) => CameraChoice::Frames { dir: text },
    }
}

fn camera_text(camera: &CameraChoice) -> String {
    match camera {
        CameraChoice::Webcam { index } => format!("webcam {index}"),
        CameraChoice::Frames { dir } => format!("pictures in {dir}"),
    }
}

fn chosen_text(chosen: &DeviceChoices) -> String {
    format!(
        "printer: {}\nreader:  {}\ncamera:  {}",
        chosen
            .printer
            .as_deref()
            .unwrap_or("(the PDF folder printed/ in the home)"),
        chosen.reader.as_deref().unwrap_or("(the first reader with a card)"),
        chosen.camera.as_ref().map_or_else(|| "(none)".to_owned(), camera_text)
    )
}

impl Show for DevicesView {
    fn text(&self) {
        println!("{}", chosen_text(&self.chosen));
        println!("\nprinters (CUPS):");
        for printer in &self.printers {
            println!(
                "  {}{}",
                printer.name,
                printer.problem.as_ref().map(|p| format!(" ({p})")).unwrap_or_default()
            );
        }
        let problem = |problem: &Option<pass_station::error::ErrorView>| {
            if let Some(problem) = problem {
                println!("  none listed: {}", problem.message);
            }
        };
        problem(&self.printer_problem);
        println!("readers (PC/SC):");
        for reader in &self.readers {
            println!("  {reader}");
        }
        problem(&self.reader_problem);
        println!("cameras:");
        for camera in &self.cameras {
            println!("  {} ({})", camera.name, camera_text(&camera.choice));
        }
        problem(&self.camera_problem);
    }
}

impl Show for TestReadView {
    fn text(&self) {
        let uid = self.card_uid.as_deref().unwrap_or("?");
        match self.kind.as_str() {
            "blank" => println!("card {uid}: blank, ready to be written"),
            "ours" => println!(
                "card {uid}: written at this office for {}",
                self.pass_id
                    .as_deref()
                    .unwrap_or("a pass whose credential does not read")
            ),
            "foreign" => println!("card {uid}: not a card of this office (another system's card)"),
            _ => println!(
                "the card could not be read: {}",
                self.problem.as_ref().map_or("", |p| p.message.as_str())
            ),
        }
    }
}

pub fn run(ctx: &Context, args: DevicesArgs) -> Result<Outcome, StationError> {
    match args.action {
        None => {
            let (mut station, session) = ctx.signed_in(Duty::Read)?;
            ctx.out.show(&devices::list(&mut station, &session, None)?);
        }
        Some(DevicesAction::Set(set)) => {
            let (mut station, session) = ctx.signed_in(Duty::Administer)?;
            let mut choices = station.config().devices.clone();
            for device in &set.clear {
                match device {
                    Device::Printer => choices.printer = None,
                    Device::Reader => choices.reader = None,
                    Device::Camera => choices.camera = None,
                }
            }
            choices.printer = set.printer.or(choices.printer);
            choices.reader = set.reader.or(choices.reader);
            choices.camera = set.camera.map(camera_choice).or(choices.camera);
            let chosen = devices::choose(&mut station, &session, &choices)?;
            ctx.out.say(&chosen, |c| {
                format!("the station's devices, kept in station.json:\n{}", chosen_text(c))
            });
        }
        Some(DevicesAction::TestPrint { printer, pdf }) => {
            let (mut station, session) = ctx.signed_in(Duty::Administer)?;
            let folder = ctx.home.dir().join("printed");
            let target = devices::print_target(&station, printer, pdf, &folder);
            let printed = devices::print_test_card(&mut station, &session, &target)?;
            ctx.out.say(&printed, |p| match p.job {
                Some(job) => format!("test card printed (CUPS job {job}); it is marked SPECIMEN and is no pass"),
                None => format!(
                    "test card written to {}; it is marked SPECIMEN and is no pass",
                    p.files.join(", ")
                ),
            });
        }
        Some(DevicesAction::TestRead { reader }) => {
            let (mut station, session) = ctx.signed_in(Duty::Administer)?;
            let mut card = devices::pcsc_reader(&station, reader).any_card()?;
            ctx.out
                .show(&devices::read_test_card(&mut station, &session, &mut card)?);
        }
    }
    Ok(Outcome::Done)
}
