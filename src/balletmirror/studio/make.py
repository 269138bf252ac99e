"""Making a studio performance on disk: the video, the true motion and the truth.

:func:`make_performance` is what ``balletmirror studio`` runs: it performs the
choreography, renders it through a camera as an H.264 video (with a click track at
the choreography's BPM unless ``music="none"``), and writes beside it the ground
truth: ``truth.json`` (steps, turns, metrics, faults, the camera), ``motion.npz``
(the true 3D motion), ``performance.bvh`` (the same, for other tools) and
``keypoints.npz`` (the true joints projected into the video's frames, an
image-space Motion: what a perfect pose model would return).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..core.errors import ConfigError, InputError
from ..core.files import check_output_dir, refuse_overwriting_inputs, written_whole

#: The built-in demo of ``balletmirror analyze`` (no input): pliés, a pirouette, eight
#: fouettés and an arabesque, filmed from the front.
DEMO_CHOREOGRAPHY = ("5th; plie demi x2; pirouette en_dehors right 2; "
                     "fouette right 8 tempo=1.4; arabesque right 80")

OUTPUTS = ("performance.mp4", "truth.json", "motion.npz", "performance.bvh", "keypoints.npz")


@dataclasses.dataclass(frozen=True)
class StudioSettings:
    """How a performance is filmed.

    Attributes
    ----------
    camera : str
        A preset (front, side, side-left, three-quarter, three-quarter-left, back) or
        an azimuth in degrees (counter-clockwise seen from above, 0 = front).
    fps : float
        Frames per second of the video (and of the true motion).
    seed : int
        Natural variation of the dancer (see :func:`~.perform.perform`).
    music : str
        ``"click"`` (a metronome at the BPM), ``"none"``, or the path of an audio file.
    music_offset_s : float
        Shift of the clicks, seconds (positive: the clicks come earlier, so the
        dancer is late by that much).
    blur_px, noise_std : float
        Image degradations (Gaussian blur sigma in pixels, pixel noise 0-255).
    distance_m : float
        Camera distance from the centre of the room, metres.
    """

    camera: str = "front"
    fps: float = 25.0
    seed: int = 0
    music: str = "click"
    music_offset_s: float = 0.0
    blur_px: float = 0.0
    noise_std: float = 0.0
    distance_m: float = 4.5

    def __post_init__(self) -> None:
        """Refuse what a camera in a studio cannot do (:data:`SETTING_LIMITS`)."""
        for name, (low, high, unit) in SETTING_LIMITS.items():
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and low <= value <= high):
                shown = f"{value:g}" if isinstance(value, float) else value
                raise ConfigError(f"{SETTING_FLAGS[name]} {shown}: expected {low:g} to "
                                  f"{high:g}{unit}")
        try:
            yaw = float(self.camera)
        except ValueError:
            return  # a preset: camera_preset checks its name
        if not -360.0 <= yaw <= 360.0:
            raise ConfigError(f"--camera {self.camera}: expected a preset or an azimuth "
                              "of -360 to 360 degrees")


#: The longest performance the studio films, seconds (a class's centre practice).
MAX_DURATION_S = 15 * 60.0
#: StudioSettings field -> (lowest, highest, unit): a phone's frame rates, a blur and
#: noise that still leave a picture, a music offset of a few beats, a room's distances
SETTING_LIMITS: dict[str, tuple[float, float, str]] = {
    "fps": (5.0, 240.0, " frames/s"), "blur_px": (0.0, 20.0, " pixels"),
    "noise_std": (0.0, 128.0, " (pixel values are 0-255)"),
    "music_offset_s": (-5.0, 5.0, " s"), "distance_m": (1.0, 30.0, " m"),
    "seed": (0.0, 4294967295.0, ""),
}
SETTING_FLAGS = {"fps": "--fps", "blur_px": "--blur", "noise_std": "--noise",
                 "music_offset_s": "--music-offset", "distance_m": "distance_m=",
                 "seed": "--seed"}


def make_camera(settings: StudioSettings):
    """The render Camera for the settings' preset or azimuth."""
    from ..core.camera import camera_preset

    try:
        yaw = float(settings.camera)
    except ValueError:
        return camera_preset(settings.camera, distance_m=settings.distance_m)
    return camera_preset("front", yaw_deg=yaw, distance_m=settings.distance_m)


def _camera_record(camera, settings: StudioSettings) -> dict:
    return {"preset": settings.camera, "position_m": list(camera.position),
            "target_m": list(camera.target), "vfov_deg": camera.vfov_deg,
            "width": camera.width, "height": camera.height, "blur_px": settings.blur_px,
            "noise_std": settings.noise_std}


def _audio(settings: StudioSettings, duration_s: float, bpm: float | None):
    """(samples, sample rate, record) of the soundtrack, or (None, 0, None)."""
    if settings.music == "none":
        return None, 0, None
    if settings.music == "click":
        from .video import click_track

        sr = 22050
        y = click_track(duration_s, bpm=bpm or 96.0, offset_s=-settings.music_offset_s,
                        sr=sr)
        return y, sr, {"kind": "click", "bpm": bpm, "offset_s": settings.music_offset_s}
    return _load_music(Path(settings.music), duration_s)


def _load_music(path: Path, duration_s: float):
    from ..io.audio import RATE, read_audio

    audio = read_audio(path, rate=RATE, max_s=duration_s)
    if audio is None:
        raise InputError(f"{path}: has no audio stream for --music")
    y = audio[0] if audio[0].size else np.zeros(1, np.float32)
    return y.astype(np.float32), RATE, {"kind": "file", "path": str(path)}


def check_studio_outdir(outdir: Path, *, force: bool, music: str | None = None) -> None:
    """Refuse an ``outdir`` that cannot hold the outputs
    (:func:`~balletmirror.core.files.check_output_dir`), one holding an earlier
    performance (unless ``force``), or one whose outputs would be written over the
    music file."""
    check_output_dir(outdir)
    if music not in (None, "click", "none"):
        if not Path(music).is_file():
            raise InputError(f"{music}: no such audio file for --music (or click, none)")
        refuse_overwriting_inputs([outdir / name for name in OUTPUTS], [Path(music)])
    existing = [name for name in OUTPUTS if (outdir / name).exists()]
    if existing and not force:
        raise InputError(f"{outdir}: already holds {', '.join(existing)}; choose another "
                         "-o or pass --force to overwrite")


def make_performance(text: str, outdir: Path, *, settings: StudioSettings | None = None,
                     video: bool = True, force: bool = False,
                     progress: Callable[[int, int], None] | None = None) -> dict[str, Path]:
    """Perform ``text``, film it and write the outputs listed in the module docstring.

    Parameters
    ----------
    text : str
        A choreography (:mod:`balletmirror.studio.perform`).
    outdir : Path
        Created if need be.
    settings : StudioSettings, optional
        The camera, frame rate, seed, music and image degradations.
    video : bool
        Also film it (``performance.mp4``); without, only the truth and the motion.
    force : bool
        Overwrite an earlier performance there.
    progress : callable(done, total), optional
        Called after each frame filmed.

    Returns
    -------
    dict of name -> Path
        ``truth``, ``motion``, ``bvh``, ``keypoints`` and with ``video`` ``video``.
    """
    from ..io.bvh_write import write_bvh
    from .perform import perform
    from .video import ideal_pose_model, render_video

    s = settings or StudioSettings()
    check_studio_outdir(outdir, force=force, music=s.music)
    perf = perform(text, fps=s.fps, seed=s.seed)
    if perf.motion.duration_s > MAX_DURATION_S:
        raise ConfigError(f"the choreography lasts {perf.motion.duration_s / 60:.0f} min; the "
                          f"studio films at most {MAX_DURATION_S / 60:.0f} min")
    camera = make_camera(s)
    outdir.mkdir(parents=True, exist_ok=True)
    audio, sr, music = _audio(s, perf.motion.duration_s, perf.truth.get("bpm"))
    truth = {**perf.truth, "camera": _camera_record(camera, s), "music": music}
    paths = {"truth": outdir / "truth.json", "motion": outdir / "motion.npz",
             "bvh": outdir / "performance.bvh", "keypoints": outdir / "keypoints.npz"}
    with written_whole(paths["truth"]) as tmp:
        tmp.write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n")
    with written_whole(paths["motion"]) as tmp:
        perf.motion.save(tmp)
    with written_whole(paths["bvh"]) as tmp:
        write_bvh(perf.motion, tmp)
    with written_whole(paths["keypoints"]) as tmp:
        ideal_pose_model(perf.motion, camera, world=False,
                         provenance={"reader": "studio-truth", **perf.motion.provenance}
                         ).save(tmp)
    if video:
        paths["video"] = outdir / "performance.mp4"
        with written_whole(paths["video"]) as tmp:
            render_video(perf.motion.positions, perf.motion.times, camera, tmp, audio=audio,
                         sr=sr, blur_px=s.blur_px, noise_std=s.noise_std, seed=s.seed,
                         height_m=perf.motion.provenance["height_m"], progress=progress)
    return paths
