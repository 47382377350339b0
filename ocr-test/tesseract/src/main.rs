//! `retromesh-ocr TESSDATA LANGUAGE WHITELIST`: Tesseract in a process of its own, reading
//! one text line per image for `retromesh_readback::Ocr` over stdin and stdout
//! (`retromesh_readback::ocr::wire`). Not meant to be run by hand.
//!
//! Exit codes: 0 when stdin closes, 2 for bad arguments, 3 when Tesseract cannot start,
//! 4 when the stream breaks.

use std::ffi::CString;
use std::io::{self, BufReader, BufWriter, Write};
use std::process::ExitCode;

use leptess::tesseract::TessApi;
use retromesh_readback::ocr::wire::{self, Answer, GreyImage};

/// Resolution reported to Tesseract: without one it warns on stderr for every image.
const SOURCE_DPI: i32 = 300;
/// Page segmentation mode 7: the image is one text line.
const ONE_LINE: &str = "7";

fn start(tessdata: &str, language: &str, whitelist: &str) -> Result<TessApi, String> {
    let mut api = TessApi::new(Some(tessdata), language)
        .map_err(|e| format!("Tesseract could not load '{language}' from {tessdata}: {e}"))?;
    for (name, value) in [
        ("tessedit_pageseg_mode", ONE_LINE),
        ("tessedit_char_whitelist", whitelist),
    ] {
        let n = CString::new(name).expect("no NUL in setting names");
        let v = CString::new(value).map_err(|_| format!("{name} holds a NUL byte"))?;
        api.raw
            .set_variable(&n, &v)
            .map_err(|_| format!("Tesseract rejected {name}={value:?}"))?;
    }
    Ok(api)
}

fn read(api: &mut TessApi, image: &GreyImage) -> Answer {
    let too_large = || {
        format!(
            "{}x{} is too large for Tesseract",
            image.width, image.height
        )
    };
    let width = i32::try_from(image.width).map_err(|_| too_large())?;
    let height = i32::try_from(image.height).map_err(|_| too_large())?;
    api.raw
        .set_image(&image.pixels, width, height, 1, width)
        .map_err(|_| too_large())?;
    api.set_source_resolution(SOURCE_DPI);
    let tsv = api
        .raw
        .get_tsv_text(0)
        .map_err(|e| format!("no text from Tesseract: {e}"))?;
    let tsv = AsRef::<std::ffi::CStr>::as_ref(&tsv)
        .to_str()
        .map_err(|e| format!("Tesseract returned text that is not UTF-8: {e}"))?;
    Ok((api.mean_text_conf(), tsv.to_string()))
}

fn serve(api: &mut TessApi) -> io::Result<()> {
    let mut input = BufReader::new(io::stdin().lock());
    let mut output = BufWriter::new(io::stdout().lock());
    output.write_all(&[wire::READY])?;
    output.flush()?;
    while let Some(image) = wire::read_image(&mut input)? {
        wire::write_answer(&mut output, &read(api, &image))?;
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [tessdata, language, whitelist] = args.as_slice() else {
        eprintln!(
            "usage: retromesh-ocr TESSDATA LANGUAGE WHITELIST\n\
             Runs Tesseract for retromesh over stdin and stdout; retromesh starts it itself."
        );
        return ExitCode::from(2);
    };
    let mut api = match start(tessdata, language, whitelist) {
        Ok(api) => api,
        Err(e) => {
            eprintln!("retromesh-ocr: {e}");
            return ExitCode::from(wire::EXIT_NO_LANGUAGE);
        }
    };
    match serve(&mut api) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("retromesh-ocr: {e}");
            ExitCode::from(4)
        }
    }
}
