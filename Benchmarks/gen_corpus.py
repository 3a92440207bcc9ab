#!/usr/bin/env python3
"""Generates benchmark corpora for `Benchmarks/import.sh`.

  gen_corpus.py manifests DIR N    N package folders: ECBA manifests (XSD-validated) and SCORM 2004
                                   manifests alternating, each with 12-24 activities and its lesson files.
  gen_corpus.py large DIR MiB      one ECBA package whose video lesson is MiB mebibytes, plus a
                                   stored (uncompressed) zip of the same package beside it.
"""
import os
import sys
import zipfile

ECBA_NS = "urn:ecba:xsd:course:v1"


def ecba(folder, index, lessons):
    os.makedirs(os.path.join(folder, "lessons"), exist_ok=True)
    items = []
    for m in range(lessons // 4):
        inner = []
        for l in range(4):
            lid = f"m{m}l{l}"
            inner.append(
                f'      <lesson identifier="{lid}" href="lessons/{lid}.html" masteryScore="0.8">'
                f'<title lang="zh-CN">第{m + 1}单元 第{l + 1}课 安全生产与工程伦理</title>'
                f'<title lang="en">Unit {m + 1} lesson {l + 1}</title></lesson>'
            )
            with open(os.path.join(folder, "lessons", f"{lid}.html"), "w") as f:
                f.write(f"<html><body>lesson {index}-{lid}</body></html>\n")
        items.append(f'    <module identifier="m{m}"><title lang="zh-CN">第{m + 1}单元</title>\n' + "\n".join(inner) + "\n    </module>")
    with open(os.path.join(folder, "ecba-course.xml"), "w") as f:
        f.write(f"""<?xml version="1.0" encoding="UTF-8"?>
<course xmlns="{ECBA_NS}" identifier="bench.course.{index}">
  <title lang="zh-CN">基准课程 {index}：建筑施工安全生产管理</title>
  <title lang="en">Benchmark course {index}</title>
  <description lang="zh-CN">用于导入性能测量的生成课程。</description>
  <keyword lang="zh-CN">安全生产</keyword>
  <keyword lang="en">safety</keyword>
  <language>zh-CN</language>
  <typicalLearningTime>PT6H</typicalLearningTime>
  <creditHours>6</creditHours>
  <category>professional</category>
  <developingSociety>bench</developingSociety>
  <licence>CC BY 4.0</licence>
  <activities>
{chr(10).join(items)}
  </activities>
</course>
""")


def scorm2004(folder, index, lessons):
    os.makedirs(os.path.join(folder, "sco"), exist_ok=True)
    items, resources = [], []
    for l in range(lessons):
        items.append(f"""      <item identifier="item{l}" identifierref="res{l}" parameters="?lesson={l}">
        <title>Lesson {l}</title>
        <imsss:sequencing><imsss:objectives>
          <imsss:primaryObjective objectiveID="p{l}" satisfiedByMeasure="true"><imsss:minNormalizedMeasure>0.7</imsss:minNormalizedMeasure></imsss:primaryObjective>
        </imsss:objectives></imsss:sequencing>
        <adlcp:completionThreshold completedByMeasure="true" minProgressMeasure="0.9"/>
      </item>""")
        resources.append(f'    <resource identifier="res{l}" type="webcontent" adlcp:scormType="sco" href="l{l}.html"><file href="l{l}.html"/></resource>')
        with open(os.path.join(folder, "sco", f"l{l}.html"), "w") as f:
            f.write(f"<html><body>sco {index}-{l}</body></html>\n")
    with open(os.path.join(folder, "imsmanifest.xml"), "w") as f:
        f.write(f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="bench.scorm.{index}" version="1" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="org"><organization identifier="org"><title>Benchmark SCORM course {index}</title>
{chr(10).join(items)}
  </organization></organizations>
  <resources xml:base="sco/">
{chr(10).join(resources)}
  </resources>
</manifest>
""")


def manifests(root, count):
    for index in range(count):
        folder = os.path.join(root, f"p{index:05d}")
        lessons = 12 + (index % 4) * 4
        (ecba if index % 2 == 0 else scorm2004)(folder, index, lessons)


def large(root, mib):
    folder = os.path.join(root, "large-course")
    ecba(folder, 0, 4)
    chunk = bytes(range(256)) * 4096  # 1 MiB, not all zeros
    with open(os.path.join(folder, "lessons", "m0l0.html"), "wb") as f:
        for _ in range(mib):
            f.write(chunk)
    with zipfile.ZipFile(os.path.join(root, "large-course.zip"), "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for base, _, files in os.walk(folder):
            for name in files:
                full = os.path.join(base, name)
                archive.write(full, os.path.relpath(full, folder))


if __name__ == "__main__":
    kind, root, amount = sys.argv[1], sys.argv[2], int(sys.argv[3])
    os.makedirs(root, exist_ok=True)
    {"manifests": manifests, "large": large}[kind](root, amount)
