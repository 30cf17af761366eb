# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Tinh chỉnh mô hình ghép nối hồ sơ (Splink)
#
# Sổ tay này dành cho người phân tích: xem dữ liệu đầu vào, huấn luyện mô hình ghép nối (không cần nhãn,
# có hạt giống cố định), xem các biểu đồ của Splink **không cần Internet**, chọn hai ngưỡng (tự động ghép /
# chờ duyệt) và lưu mô hình cùng ngưỡng vào nơi ứng dụng và dòng lệnh đọc.
#
# Mọi thử nghiệm chạy trên **một bản sao trong bộ nhớ**: cơ sở dữ liệu của trạm không bị thay đổi.
#
# Tham số (biến môi trường):
# - `HSSK_DB` — cơ sở dữ liệu nguồn (chỉ đọc). Không có hoặc chưa có dữ liệu: tạo bộ dữ liệu mẫu.
# - `HSSK_TRUTH` — thư mục dữ liệu đúng (truth) nếu có; với dữ liệu mẫu thì dùng truth của nó.
# - `HSSK_CONFIG` — tệp cấu hình nhận ngưỡng mới (mặc định `data/config.toml`, các chú thích được giữ nguyên);
#   mô hình lưu vào đường dẫn `[linkage] model` của tệp đó — trừ mô hình đi kèm phần mềm
#   (`data/model/linkage_model.json`), không bao giờ bị ghi đè: khi đó mô hình mới lưu vào `data/local/` của trạm
#   và từ đó được dùng thay cho mô hình đi kèm.
# - `HSSK_NOTEBOOK_RESIDENTS` — số người dân của bộ dữ liệu mẫu (mặc định 3000).
# - `HSSK_NOTEBOOK_OUT` — thư mục lưu các biểu đồ dạng HTML chạy offline (mặc định `notebooks/output`).
# - `HSSK_NOTEBOOK_SAVE` — `1` để lưu mô hình và ngưỡng đã chọn (mặc định chỉ xem, không ghi gì; hoặc đặt
#   `LUU = True` ở mục 6).

# %%
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from IPython.display import Markdown, display

ROOT = Path.cwd() if (Path.cwd() / "hssk").is_dir() else Path.cwd().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hssk import config as hssk_config
from hssk.db import connect
from hssk.link import labelling, model, persons, predict, prepare, train
from hssk.link.evaluate import evaluate as evaluate_linkage
from hssk.link.run import linkage_config, with_thresholds

pd.set_option("display.max_columns", 40)
pd.set_option("display.width", 200)

SOURCE_DB = os.environ.get("HSSK_DB")
TRUTH_DIR = os.environ.get("HSSK_TRUTH")
RESIDENTS = int(os.environ.get("HSSK_NOTEBOOK_RESIDENTS", "3000"))
OUT = Path(os.environ.get("HSSK_NOTEBOOK_OUT", ROOT / "notebooks" / "output"))
SAVE = os.environ.get("HSSK_NOTEBOOK_SAVE", "0") == "1"
SEED = train.DEFAULT_SEED
OUT.mkdir(parents=True, exist_ok=True)

CONFIG = hssk_config.load_config()
SETTINGS = linkage_config(CONFIG)
print("Cấu hình:", hssk_config.CONFIG_PATH)
MODEL_TARGET = SETTINGS["train_path"]  # never the shipped model: a station's own goes to data/local/
print("Mô hình sẽ lưu vào (nếu chọn lưu):", MODEL_TARGET)
print("Ngưỡng hiện tại: trên", SETTINGS["upper"], "— dưới", SETTINGS["lower"])

# %% [markdown]
# ## 1. Dữ liệu
# Bản sao trong bộ nhớ của cơ sở dữ liệu nguồn (chỉ các bảng cần cho ghép nối), hoặc bộ dữ liệu mẫu mới tạo.

# %%
TABLES = ["import_batches", "import_files", "clean", "decisions", "persons", "person_records",
          "label_rounds", "label_pairs", "labels"]
work = connect(":memory:")
prepare.ensure_schema(work)
labelling.ensure_schema(work)


def has_rows(path: str | None) -> bool:
    if not path or not Path(path).exists():
        return False
    with connect(path, read_only=True) as src:
        tables = {r[0] for r in src.execute("select table_name from duckdb_tables()").fetchall()}
        return "clean" in tables and src.execute("select count(*) from clean").fetchall()[0][0] > 0


if has_rows(SOURCE_DB):
    work.execute(f"attach '{Path(SOURCE_DB).as_posix()}' as src (read_only)")
    src_tables = {r[0] for r in work.execute(
        "select table_name from duckdb_tables() where database_name = 'src'").fetchall()}
    for table in TABLES:
        if table in src_tables:
            work.execute(f"insert into {table} by name select * from src.{table}")
    work.execute("detach src")
    print(f"Đã sao chép dữ liệu từ {SOURCE_DB}")
else:
    from hssk.demo.generator import generate
    from hssk.ingest.store import import_files

    demo_dir = Path(tempfile.mkdtemp(prefix="hssk_demo_"))
    made = generate(demo_dir, residents=RESIDENTS, seed=2026)
    for kind in ("population", "hssk", "deaths", "insurance", "care"):
        if made["files"].get(kind):
            print(import_files(work, made["files"][kind], kind, note="demo", progress=None).message)
    TRUTH_DIR = TRUTH_DIR or str(made["truth_dir"])

records = prepare.input_table(work)
print(f"{records.num_rows:,} hồ sơ trong ảnh chụp hiện tại".replace(",", "."))

# %% [markdown]
# ### Hồ sơ theo nguồn và tỉ lệ có giá trị của từng cột được so sánh

# %%
frame = records.to_pandas()
display(prepare.profile(records))

# %% [markdown]
# ### Tên phổ biến — vì sao cần điều chỉnh theo tần suất (term frequency)
# Trùng họ "Nguyễn" nói rất ít; trùng một họ hiếm nói nhiều hơn. Tên gõ không dấu ("Nguyen") được đếm như
# cách viết thường gặp nhất của nó ("nguyễn", cột `family_tf`), nếu không nó trông như một họ hiếm.

# %%
display(frame["family_tf"].value_counts(normalize=True).head(8).rename("tỉ lệ họ").round(3).to_frame())
display(frame["given_tf"].value_counts(normalize=True).head(8).rename("tỉ lệ tên").round(3).to_frame())

# %% [markdown]
# ## 2. Huấn luyện (không cần nhãn, tái lập được)
# u: lấy mẫu ngẫu nhiên có hạt giống; m: EM trên các khối (cùng số định danh; cùng ngày sinh và tên;
# cùng họ tên và năm sinh). Khi có dữ liệu đúng, thêm cột `truth_uid` để vẽ đường precision/recall
# (mô hình không dùng cột này).

# %%
truth_records = truth_persons = None
if TRUTH_DIR and (Path(TRUTH_DIR) / "records.csv").exists():
    truth_records = pd.read_csv(Path(TRUTH_DIR) / "records.csv", dtype=str, keep_default_na=False)
    truth_records["row_number"] = truth_records["row_number"].astype(int)
    persons_path = Path(TRUTH_DIR) / "persons.csv"
    if persons_path.exists():
        truth_persons = pd.read_csv(persons_path, dtype=str, keep_default_na=False)
    work.register("truth_records", truth_records)
    labels = work.execute("""
        select c.record_key as unique_id, min(t.person_uid) as truth_uid
        from current_clean as c
        join import_files as f using (file_id)
        join truth_records as t on t.source = c.kind and t.file = f.file_name and t.row_number = c.row_number
        group by c.record_key""").df()
    work.unregister("truth_records")
    frame = frame.merge(labels, on="unique_id", how="left")
    frame["truth_uid"] = frame["truth_uid"].fillna("?" + frame["unique_id"])
    print(f"Dữ liệu đúng: {TRUTH_DIR} ({labels.shape[0]:,} hồ sơ có nhãn)".replace(",", "."))
else:
    print("Không có dữ liệu đúng: sẽ dùng quyết định của người duyệt (nếu có) để chọn ngưỡng.")

import pyarrow as pa

session = predict.open_session(pa.Table.from_pandas(frame, preserve_index=False), model.settings(explain=True))
linker = session.linker
training = train.train(linker, seed=SEED, progress=print)

# %% [markdown]
# ## 3. Biểu đồ của mô hình (offline)
# Biểu đồ hiển thị bằng Vega-Lite có sẵn trong Jupyter (không tải gì từ Internet) và được lưu thành tệp
# HTML độc lập trong thư mục `OUT` (thư viện vẽ được nhúng sẵn trong tệp).

# %%
VEGA_LITE = "application/vnd.vegalite.v5+json"


def show(chart, name: str) -> None:
    """Draw a Splink chart offline and keep a standalone HTML copy (libraries bundled inline)."""
    path = OUT / f"{name}.html"
    chart.save_offline_chart(str(path), overwrite=True, print_msg=False)
    display({VEGA_LITE: chart.chart_dict, "text/plain": f"Biểu đồ '{name}' — bản HTML offline: {path}"}, raw=True)


show(linker.visualisations.match_weights_chart(), "trong_so_khop")

# %%
show(linker.visualisations.m_u_parameters_chart(), "tham_so_m_u")

# %% [markdown]
# ## 4. Điểm các cặp và biểu đồ thác nước (waterfall) cho vài cặp chọn lọc

# %%
pairs = linker.inference.predict(threshold_match_probability=0.01)
scored = pairs.as_pandas_dataframe()
scored["kinds"] = [
    "–".join(sorted(pair)) for pair in zip(scored["source_l"], scored["source_r"])]
if "truth_uid" in frame.columns:
    truth_of = frame.set_index("unique_id")["truth_uid"]
    scored["truth_uid_l"] = scored["unique_id_l"].map(truth_of)
    scored["truth_uid_r"] = scored["unique_id_r"].map(truth_of)
print(f"{len(scored):,} cặp có xác suất ≥ 0.01".replace(",", "."))
display(scored.groupby("kinds")["match_probability"].describe()[["count", "mean", "min", "50%"]])
show(linker.visualisations.match_weights_histogram(pairs), "phan_bo_trong_so")


def pick(condition, n: int = 1):
    found = scored[condition].sort_values("match_weight")
    return found.head(n).to_dict("records")


chosen = []
hssk_reg = (scored["kinds"] == "hssk–population")
chosen += pick(hssk_reg & (scored["match_probability"] < SETTINGS["upper"]))  # an uncertain one
chosen += pick(hssk_reg & (scored["birth_text_l"] != scored["birth_text_r"]))  # dates disagree
chosen += pick(hssk_reg & scored["personal_id_l"].isna())  # no personal ID
if "truth_uid_l" in scored.columns:
    twins = ((scored["birth_text_l"] == scored["birth_text_r"]) & (scored["family_key_l"] == scored["family_key_r"])
             & (scored["given_key_l"] != scored["given_key_r"]) & (scored["truth_uid_l"] != scored["truth_uid_r"]))
    chosen += pick(twins & hssk_reg)
chosen = [c for c in chosen if c]
print(f"{len(chosen)} cặp được chọn")
if chosen:
    show(linker.visualisations.waterfall_chart(chosen, filter_nulls=False), "thac_nuoc")

# %% [markdown]
# ## 5. Chọn ngưỡng
# Có dữ liệu đúng: đường precision/recall theo cặp của Splink, rồi đánh giá **theo người** (sau gom nhóm,
# có ràng buộc danh sách dân cư không trùng lặp) cho từng ngưỡng trên. Không có dữ liệu đúng: dùng các
# quyết định accept/reject của người duyệt làm nhãn.

# %%
candidates = [0.9, 0.95, 0.98, 0.99, 0.995, 0.999]
sweep = None
if truth_records is not None:
    show(linker.evaluation.accuracy_analysis_from_labels_column(
        "truth_uid", output_type="precision_recall"), "precision_recall")
    show(linker.evaluation.accuracy_analysis_from_labels_column(
        "truth_uid", output_type="threshold_selection", add_metrics=["f1"]), "chon_nguong")
    # The same pairs, stored as a link run in the scratch database, clustered at each candidate.
    run_id = work.execute("select nextval('seq_link_run')").fetchall()[0][0]
    work.execute("insert into link_runs (run_id, started_at, thresholds, n_records, n_pairs) values "
                 "(?, current_timestamp::timestamp, ?, ?, ?)",
                 [run_id, f'{{"upper": {SETTINGS["upper"]}, "lower": 0.01}}', records.num_rows, len(scored)])
    work.register("scored_pairs", predict.pairs_from_predictions(pairs))
    work.execute("insert into link_predictions select ?, * from scored_pairs", [run_id])
    work.unregister("scored_pairs")
    rows = []
    for upper in candidates:
        work.execute("delete from person_records")  # each candidate from scratch
        persons.rebuild(work, run_id, upper)
        report = evaluate_linkage(work, TRUTH_DIR)
        h = report["headline"]
        twins_merged = report["hard_cases"].get("twin", {}).get("merged", 0)
        rows.append({"upper": upper, "precision": h["precision"], "recall": h["recall"], "f1": h["f1"],
                     "exact_people": report["clusters"]["exact_share"], "twins_merged": twins_merged})
    sweep = pd.DataFrame(rows)
    display(sweep.round(4))
    sweep_chart = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": sweep.melt(id_vars="upper", value_vars=["precision", "recall", "f1"]).to_dict("records")},
        "mark": {"type": "line", "point": True},
        "encoding": {"x": {"field": "upper", "type": "quantitative", "title": "ngưỡng trên",
                           "scale": {"domain": [0.89, 1.0]}},
                     "y": {"field": "value", "type": "quantitative", "scale": {"zero": False}},
                     "color": {"field": "variable", "type": "nominal", "title": ""}},
        "width": 420, "height": 240,
    }
    display({VEGA_LITE: sweep_chart, "text/plain": "F1 theo ngưỡng trên"}, raw=True)

# %%
decided = work.execute("""
    select d.key_a as unique_id_l, d.key_b as unique_id_r,
           case d.action when 'accept' then 1.0 else 0.0 end as clerical_match_score
    from pair_decisions as d""").df()
print(f"{len(decided)} quyết định của người duyệt có thể dùng làm nhãn")
if len(decided) >= 5:
    labels_table = linker.table_management.register_table(decided, "reviewer_labels", overwrite=True)
    show(linker.evaluation.accuracy_analysis_from_labels_table(
        labels_table, output_type="precision_recall"), "precision_recall_nguoi_duyet")

# %% [markdown]
# ### Ước lượng từ đợt gắn nhãn mù (nhãn của chính trạm)
# Trên trang *Đối soát*, thẻ gắn nhãn mù lấy mẫu các cặp theo từng dải điểm và cho người duyệt gắn nhãn mà không
# thấy điểm; ở đây ước lượng độ chính xác và độ bao phủ (khoảng tin cậy 95 %) từ đợt gần nhất. Với dữ liệu mẫu chưa
# có đợt nào, một đợt được tạo trên bản sao và gắn nhãn theo dữ liệu đúng, để thấy cách đọc bảng.

# %%
round_id = labelling.latest_round(work)
if round_id is None and "truth_uid" in frame.columns:
    round_id = labelling.draw_sample(work, per_band=20, seed=SEED, user="notebook")
    truth_of = frame.set_index("unique_id")["truth_uid"]
    while (pair := labelling.next_pair(work, round_id)) is not None:
        same = truth_of.get(pair["record_key_l"]) == truth_of.get(pair["record_key_r"])
        labelling.record_label(work, round_id, pair["position"], "same" if same else "different", "notebook")
if round_id is not None:
    done_labels, total_labels = labelling.progress(work, round_id)
    print(f"Đợt gắn nhãn số {round_id}: {done_labels}/{total_labels} cặp đã gắn nhãn")
    if done_labels >= 10:
        estimate = labelling.estimate(work, round_id)
        display(estimate.table.round(4).rename(columns={
            "threshold": "ngưỡng", "precision": "độ chính xác", "precision_lo": "thấp nhất (95 %)",
            "precision_hi": "cao nhất (95 %)", "recall": "độ bao phủ", "recall_lo": "thấp nhất (95 %) ",
            "recall_hi": "cao nhất (95 %) "}).head(40))
        print("Ngưỡng đề xuất (trên, dưới):", labelling.suggest_thresholds(estimate))
else:
    print("Chưa có đợt gắn nhãn nào: hãy tạo một đợt trên trang Đối soát.")

# %% [markdown]
# ### Quy tắc chọn
# - **ngưỡng trên**: ngưỡng cao nhất có F1 theo người chỉ kém F1 tốt nhất dưới 0,001 và không gộp nhầm cặp
#   sinh đôi (ưu tiên tự động ghép ít mà chắc);
# - **ngưỡng dưới**: 95% cặp đúng (HSSK–HSSK, HSSK–dân cư) *dưới* ngưỡng trên có điểm từ ngưỡng dưới trở lên,
#   tức là cặp đúng không tự ghép được phần lớn vẫn vào hàng chờ duyệt.
# Không có nhãn nào: giữ nguyên ngưỡng hiện tại.

# %%
upper, lower = SETTINGS["upper"], SETTINGS["lower"]
if sweep is not None:
    ok = sweep[sweep["twins_merged"] == 0]
    if len(ok):
        upper = float(ok[ok["f1"] >= ok["f1"].max() - 0.001]["upper"].max())
    true_pairs = scored[(scored["truth_uid_l"] == scored["truth_uid_r"])
                        & scored["kinds"].isin(["hssk–hssk", "hssk–population"])]
    below = true_pairs[true_pairs["match_probability"] < upper]["match_probability"]
    if len(below):
        lower = float(max(0.01, np.floor(below.quantile(0.05) * 100) / 100))
    lower = min(lower, upper)
elif len(decided) >= 5:
    decided_scores = decided.merge(
        scored[["unique_id_l", "unique_id_r", "match_probability"]], how="inner", on=["unique_id_l", "unique_id_r"])
    rejected = decided_scores[decided_scores["clerical_match_score"] == 0]["match_probability"]
    accepted = decided_scores[decided_scores["clerical_match_score"] == 1]["match_probability"]
    if len(rejected):
        upper = float(min(0.999, max(upper, rejected.max() + 0.001)))
    if len(accepted):
        lower = float(min(upper, accepted.min()))
display(Markdown(f"**Ngưỡng chọn:** trên = `{upper}`, dưới = `{lower}`"))

# %% [markdown]
# ## 6. Lưu mô hình và ngưỡng
# Mô hình (kèm tệp `.meta.json` ghi phiên bản, hạt giống, dữ liệu huấn luyện; bản cũ giữ trong `history/`)
# và ngưỡng trong tệp cấu hình — lệnh `hssk link` và ứng dụng đọc từ đây.

# %%
LUU = SAVE  # đặt True để lưu mô hình và ngưỡng
if LUU:
    meta = train.save(linker, MODEL_TARGET, training=training,
                      data_summary={"n_records": records.num_rows,
                                    "by_source": frame["source"].value_counts().to_dict()})
    CONFIG["linkage"] = with_thresholds(upper, lower, CONFIG)
    hssk_config.save_config(CONFIG)
    print(f"Đã lưu mô hình phiên bản {meta['model_version']} vào {MODEL_TARGET}")
    print(f"Đã ghi ngưỡng vào {hssk_config.CONFIG_PATH}: trên {upper}, dưới {lower}")
else:
    print("Chỉ xem: không lưu gì (đặt HSSK_NOTEBOOK_SAVE=1 hoặc LUU = True để lưu).")
session.close()
