"""A kiosk process a parent walks to 「送出資料」, for the test that SIGKILLs it right after.

``python -m tests.sync.kiosk_at_the_counter CONFIG REGISTRY_DATA REGISTRY_DB PEOPLE.json`` starts
the kiosk the production way (``kiosk run``'s boot: settings file, local SQLite store, seal key,
sync worker) under a headless pilot, and walks the email path with one student to the review
screen with a drawn signature. It prints ``READY`` and waits for a line on stdin (the test stops
the registry meanwhile), presses 送出資料, and once the success page is on screen prints
``SUCCESS {json}`` (the receipt line and whether it says 「已儲存，網路恢復後自動上傳」). Then it
waits to be killed.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from kiosk.app import make_app
from kiosk.domain.contact import Channel
from kiosk.domain.people import Level
from kiosk.keys import load_key
from kiosk.settings import KioskSettings
from store.engine import make_engine, make_session_factory, sqlite_url
from tests.e2e.live import LiveRegistry, RosterStudent, wait_for
from tests.e2e.walk import Walk


async def walk_to_success(
    config: Path, registry_data: Path, registry_db: Path, people: dict[str, str]
) -> None:
    """Walks the wizard to the success page (see the module's docstring)."""
    settings = KioskSettings.load(config)
    assert settings.registry.kiosk_id is not None
    app = make_app(settings)
    app.animation_level = "none"
    engine = make_engine(sqlite_url(registry_db))
    registry = LiveRegistry(
        url=settings.registry.url,
        data_dir=registry_data,
        kiosk_id=settings.registry.kiosk_id,
        key=load_key(settings.key_path),
        sessions=make_session_factory(engine),
    )
    student = RosterStudent(
        people["student_id"],
        people["student_name"],
        people["class_name"],
        people["school_code"],
        people["school_name"],
        Level(people["level"]),
    )
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for(pilot, lambda: app.wizard is not None, "the wizard")
        walk = Walk(pilot, registry)
        await walk.apply()
        await walk.verify(Channel.EMAIL, people["contact"])
        await walk.add_students(student)
        await walk.consent()
        await walk.new_parent(
            people["parent_id"], people["parent_name"], people["email"], people["phone"]
        )
        await walk.sign_by_hand()
        print("READY", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        progress = await walk.submitted()
        assert app.services is not None
        assert app.services.sync is not None
        shown = {
            "receipt": walk.text("#receipt"),
            "offline": walk.text("#saved-offline") if progress.query("#saved-offline") else None,
            # The app's sync worker has been running beside the wizard since start-up.
            "sync_runs": app.services.sync.runs,
        }
        print("SUCCESS " + json.dumps(shown, ensure_ascii=False), flush=True)
        # On screen until killed (the test's SIGKILL; bounded by its timeout).
        await asyncio.Event().wait()


if __name__ == "__main__":
    config, data, database, people = sys.argv[1:5]
    asyncio.run(
        walk_to_success(
            Path(config), Path(data), Path(database), json.loads(Path(people).read_text())
        )
    )
