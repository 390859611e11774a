//! A power cut for a server's store: an ext4 image on a loop device whose unsynced
//! writes can be thrown away, as a machine losing power would.
//!
//! The store directory is the mount point of an ext4 file system kept in a sparse image
//! file. Data the file system has written back to its "disk" (everything fsynced, plus
//! whatever writeback already flushed) is in the image file; dirty pages still in the
//! mounted file system's page cache are not. A power cut copies the image file, which
//! is therefore a snapshot of the disk at that instant, drops the mount, and mounts the
//! copy in its place: ext4 replays its journal as after a real crash. Unmounting the
//! original afterwards flushes its dirty pages, but only into the discarded image.
//!
//! Needs root, loop devices and `mkfs.ext4`; check [`PowerCutDisk::supported`] first.
//! The commands block for a few milliseconds each, so they run synchronously. A process
//! killed before `Drop` runs leaves its mount behind: `findmnt -t ext4` lists it and
//! `umount -l` releases it and its loop device.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context as _;

use crate::binaries;

/// Size of the sparse image: large enough that JetStream's default store limit (a share
/// of the free space) never gets in a test's way, and it costs only the blocks written.
const IMAGE_SIZE: &str = "1G";

/// An ext4 image file loop-mounted on a directory, whose unsynced writes
/// [`power_cut`](Self::power_cut) discards. Dropping it unmounts it and deletes the image.
#[derive(Debug)]
pub struct PowerCutDisk {
    image: PathBuf,
    mount_point: PathBuf,
    mounted: bool,
}

impl PowerCutDisk {
    /// True when this process can create and mount one: it runs as root,
    /// `/dev/loop-control` exists and `mkfs.ext4` is installed.
    pub fn supported() -> bool {
        crate::user::is_root() && Path::new("/dev/loop-control").exists() && mkfs_ext4().is_some()
    }

    /// Creates a fresh sparse ext4 image `disk.img` in `image_dir` and mounts it on
    /// `mount_point` (both created if missing). Whatever `mount_point` held before is
    /// hidden until the disk is dropped.
    pub fn create(image_dir: &Path, mount_point: &Path) -> anyhow::Result<Self> {
        let mkfs = mkfs_ext4().context(
            "mkfs.ext4 not found: install e2fsprogs to simulate power cuts \
             (check PowerCutDisk::supported() first)",
        )?;
        for dir in [image_dir, mount_point] {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let image = image_dir.join("disk.img");
        run(Command::new("truncate")
            .args(["-s", IMAGE_SIZE])
            .arg(&image))?;
        run(Command::new(mkfs).args(["-q", "-F"]).arg(&image))?;
        let mut disk = Self {
            image,
            mount_point: mount_point.to_owned(),
            mounted: false,
        };
        disk.mount()?;
        Ok(disk)
    }

    /// The directory the file system is mounted on.
    pub fn mount_point(&self) -> &Path {
        &self.mount_point
    }

    /// The image file backing the file system.
    pub fn image_path(&self) -> &Path {
        &self.image
    }

    /// Loses everything not yet written back to the disk, then mounts what survived on
    /// the same mount point. Call it only once every process writing there is dead
    /// (SIGKILLed): a live writer would keep the old mount busy and write into the
    /// discarded image.
    pub fn power_cut(&mut self) -> anyhow::Result<()> {
        let cut = self.image.with_file_name("disk.cut.img");
        run(Command::new("cp")
            .arg("--sparse=always")
            .arg(&self.image)
            .arg(&cut))?;
        self.unmount()?;
        // The old loop device may still hold the original while the lazy unmount
        // finishes; renaming over it leaves that inode to die with the device.
        std::fs::rename(&cut, &self.image).with_context(|| {
            format!(
                "replacing {} with its power-cut copy {}",
                self.image.display(),
                cut.display()
            )
        })?;
        self.mount()?;
        tracing::info!(mount_point = %self.mount_point.display(), "power cut simulated");
        Ok(())
    }

    fn mount(&mut self) -> anyhow::Result<()> {
        run(Command::new("mount")
            .args(["-t", "ext4", "-o", "loop"])
            .arg(&self.image)
            .arg(&self.mount_point))?;
        self.mounted = true;
        Ok(())
    }

    fn unmount(&mut self) -> anyhow::Result<()> {
        if self.mounted {
            run(Command::new("umount").arg("-l").arg(&self.mount_point))?;
            self.mounted = false;
        }
        Ok(())
    }
}

impl Drop for PowerCutDisk {
    fn drop(&mut self) {
        if let Err(e) = self.unmount() {
            tracing::warn!(error = %e, "could not unmount a power-cut disk");
        }
        for file in [
            self.image.clone(),
            self.image.with_file_name("disk.cut.img"),
        ] {
            let _ = std::fs::remove_file(file);
        }
    }
}

/// `mkfs.ext4`, which lives in `/sbin` or `/usr/sbin`, not always on a user's `PATH`.
fn mkfs_ext4() -> Option<PathBuf> {
    binaries::find_in_path("mkfs.ext4").or_else(|| {
        ["/usr/sbin/mkfs.ext4", "/sbin/mkfs.ext4"]
            .map(PathBuf::from)
            .into_iter()
            .find(|path| binaries::is_executable(path))
    })
}

/// Runs `cmd` to completion; an error names the command and quotes its stderr.
fn run(cmd: &mut Command) -> anyhow::Result<()> {
    let shown = format!("{cmd:?}");
    let output = cmd
        .output()
        .with_context(|| format!("running {shown} (is it installed?)"))?;
    anyhow::ensure!(
        output.status.success(),
        "{shown} failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr).trim()
    );
    Ok(())
}
