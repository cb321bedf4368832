import re
from pathlib import Path

from meetingprep import create_app
from meetingprep.config import DefaultConfig

EXAMPLE = Path(__file__).resolve().parents[2] / "instance" / "config.example.py"


def test_example_config_documents_every_setting():
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)\s*=", EXAMPLE.read_text(), flags=re.M))
    settings = {name for name in vars(DefaultConfig) if name.isupper()} | {"SECRET_KEY", "UPLOAD_FOLDER"}
    assert settings - documented == set()


def test_layers_defaults_instance_file_then_environment(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text('PAGE_SIZE = 7\nMAIL_FROM = "file@example.org"\n')
    monkeypatch.setenv("MEETINGPREP_PAGE_SIZE", "9")
    app = create_app({"INSTANCE_PATH": str(instance)})
    assert app.config["PAGE_SIZE"] == 9
    assert app.config["MAIL_FROM"] == "file@example.org"
    assert app.config["TIMEZONE"] == "Asia/Shanghai"
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/meetingprep.sqlite")
    key = (instance / "secret_key").read_text()
    assert len(key) == 64 and app.config["SECRET_KEY"] == key
    assert create_app({"INSTANCE_PATH": str(instance)}).config["SECRET_KEY"] == key  # kept across restarts


def test_the_cache_age_setting_keeps_its_old_name_working(tmp_path):
    """CACHE_MAX_AGE_SECONDS was KEPT_MAX_AGE_SECONDS: an installation's config.py may still say so."""
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text("KEPT_MAX_AGE_SECONDS = 5\n")
    assert create_app({"INSTANCE_PATH": str(instance)}).config["CACHE_MAX_AGE_SECONDS"] == 5
