use clap::Parser;
use newsline_bench::config::{Cli, Command};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Run(args) => {
            let settings = (*args).settings()?;
            let out_dir = settings.out_dir.clone();
            let report = newsline_bench::run(settings).await?;
            println!("{}", report.markdown());
            eprintln!("results written to {}", out_dir.display());
        }
        Command::Soak(args) => {
            let report = newsline_bench::scenario::soak::run(args.resolved()?).await?;
            println!("{}", report.markdown());
            eprintln!(
                "results written to {}",
                report.settings.out_dir.join("soak.json").display()
            );
            if !report.passed {
                anyhow::bail!("the soak failed: {}", report.failures.join("; "));
            }
        }
        Command::CeilingServe(args) => newsline_bench::ceiling_serve(args).await?,
    }
    Ok(())
}
