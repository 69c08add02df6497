"""Writes an Alembic project equivalent to bench/gen.lua's chain:
   /usr/bin/python3 bench/alembic_gen.py DIR N URL
N revisions, each creating one table (bigserial id, text name), with a
transaction per revision as luamig's default."""
import os
import subprocess
import sys

directory, n, url = sys.argv[1], int(sys.argv[2]), sys.argv[3]
os.makedirs(directory, exist_ok=True)
subprocess.run(["alembic", "init", "mig"], cwd=directory, check=True, stdout=subprocess.DEVNULL)
ini = os.path.join(directory, "alembic.ini")
with open(ini) as f:
    text = f.read().replace("driver://user:pass@localhost/dbname", url.replace("%", "%%"))
with open(ini, "w") as f:
    f.write(text)
env = os.path.join(directory, "mig", "env.py")
with open(env) as f:
    text = f.read().replace(
        "connection=connection, target_metadata=target_metadata",
        "connection=connection, target_metadata=target_metadata, transaction_per_migration=True")
with open(env, "w") as f:
    f.write(text)
for i in range(1, n + 1):
    down = "None" if i == 1 else repr("%012x" % (i - 1))
    with open(os.path.join(directory, "mig", "versions", "%012x.py" % i), "w") as f:
        f.write(f'''"""revision {i}"""
from alembic import op
import sqlalchemy as sa

revision = {"%012x" % i!r}
down_revision = {down}
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("t{i}", sa.Column("id", sa.BigInteger, primary_key=True), sa.Column("name", sa.Text, nullable=False))


def downgrade():
    op.drop_table("t{i}")
''')
