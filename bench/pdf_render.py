"""Time to render a written-request letter to PDF with WeasyPrint (guide.core.pdf.html_to_pdf + letter.css).

A realistic letter: French original and Arabic copy of about 400 words each (two A4 pages or more), sender,
recipient, reference, subject, receipt box. Renders it N times in one process (the font configuration is
shared, as in the app) and prints the first (cold) render, then p50/p95/max of the warm ones.
Target: p95 ≤ 1 s on the 2-core machine.
Usage: .venv/bin/python bench/pdf_render.py [--runs 30]
"""

from __future__ import annotations

import argparse
import io
import re
import statistics
import sys
import time
from html import escape
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pypdf import PdfReader  # noqa: E402

from guide.core.pdf import html_to_pdf, letter_stylesheet  # noqa: E402

FRENCH = [
    "Madame, Monsieur,",
    "Par la présente, je vous informe que je refuse la proposition de logement qui m'a été faite le 12 février "
    "2026 pour l'appartement situé au 4 rue des Tisserands à Roubaix, au troisième étage sans ascenseur.",
    "Lors de la visite du 20 février, j'ai constaté plusieurs problèmes. Le chauffage de la chambre ne fonctionne "
    "pas, les fenêtres du séjour ferment mal et il y a des traces d'humidité et de moisissure au plafond de la salle "
    "de bains. J'ai pris des photos, que je joins à ce courrier.",
    "Ma fille a de l'asthme et son médecin nous a demandé d'éviter un logement humide. Mon mari a des difficultés "
    "pour marcher depuis son opération du genou : monter trois étages tous les jours n'est pas possible pour lui.",
    "Le loyer proposé, charges comprises, est de 612 euros par mois. Aujourd'hui, nous payons 455 euros. Avec nos "
    "revenus, le reste à charge après l'aide au logement serait trop élevé pour notre famille de cinq personnes.",
    "La charte de relogement signée par les partenaires du projet prévoit que chaque proposition tient compte des "
    "besoins de la famille, de sa santé et de ses ressources. Elle prévoit aussi trois propositions adaptées. "
    "Je vous demande donc une nouvelle proposition, au rez-de-chaussée ou dans un immeuble avec ascenseur, dans le "
    "même quartier si possible, pour que les enfants restent dans leur école.",
    "Je reste disponible pour un rendez-vous avec la chargée de relogement. Vous pouvez me joindre par téléphone "
    "au 06 12 34 56 78, du lundi au vendredi, ou m'écrire à l'adresse ci-dessus. Si nous ne trouvons pas de "
    "solution, je demanderai l'avis de la commission de médiation prévue par la charte.",
    "Je vous remercie de bien vouloir me confirmer la réception de ce courrier et de me répondre par écrit dans "
    "le délai prévu. Je vous prie d'agréer, Madame, Monsieur, l'expression de mes salutations distinguées.",
]

ARABIC = [
    "سيدتي، سيدي،",
    "أبلغكم بهذه الرسالة أنني أرفض عرض السكن الذي قُدِّم لي في 12 فبراير 2026 للشقة الواقعة في 4 شارع "
    "النساجين في روبيه، في الطابق الثالث بدون مصعد.",
    "خلال الزيارة في 20 فبراير، لاحظت عدة مشاكل. التدفئة في غرفة النوم لا تعمل، ونوافذ غرفة الجلوس لا تُغلق "
    "جيدًا، وهناك آثار رطوبة وعفن في سقف الحمام. التقطت صورًا أرفقها بهذه الرسالة.",
    "ابنتي مصابة بالربو وطلب منا طبيبها تجنب السكن الرطب. زوجي يجد صعوبة في المشي منذ عملية الركبة، ولا "
    "يستطيع صعود ثلاثة طوابق كل يوم.",
    "الإيجار المقترح مع الأعباء هو 612 يورو في الشهر. اليوم ندفع 455 يورو. مع دخلنا، سيكون المبلغ المتبقي "
    "بعد مساعدة السكن مرتفعًا جدًا لعائلتنا المكونة من خمسة أشخاص.",
    "ينص ميثاق إعادة الإسكان الذي وقّعه شركاء المشروع على أن كل عرض يراعي احتياجات الأسرة وصحتها ومواردها. "
    "كما ينص على ثلاثة عروض مناسبة. لذلك أطلب منكم عرضًا جديدًا في الطابق الأرضي أو في مبنى به مصعد، في "
    "نفس الحي إن أمكن، حتى يبقى الأطفال في مدرستهم.",
    "أنا مستعدة لموعد مع المكلفة بإعادة الإسكان. يمكنكم الاتصال بي على الرقم 06 12 34 56 78 من الاثنين إلى "
    "الجمعة، أو مراسلتي على العنوان أعلاه. إذا لم نجد حلًا، سأطلب رأي لجنة الوساطة المنصوص عليها في الميثاق.",
    "أود أن أذكّر بأننا نسكن في هذا الحي منذ أكثر من خمس عشرة سنة، وأن أطفالنا الثلاثة يدرسون في المدرسة "
    "الابتدائية والإعدادية القريبتين. نحن مرتبطون بالحي، وجيراننا يساعدوننا كثيرًا، خاصة عندما يكون زوجي في "
    "المستشفى. الابتعاد عن الحي سيجعل حياتنا اليومية أصعب بكثير، وسيضطر الأطفال إلى تغيير المدرسة في منتصف "
    "السنة الدراسية.",
    "كما أود أن أوضح أننا لا نرفض الانتقال في حد ذاته. نحن نفهم أن المبنى سيُهدم في إطار مشروع التجديد "
    "الحضري، ونحن مستعدون للتعاون. لكننا نطلب سكنًا يناسب وضعنا الصحي والمالي، كما وعدنا بذلك خلال الاجتماع "
    "العمومي وخلال المقابلة الأولى مع المكلفة بإعادة الإسكان في شهر نوفمبر الماضي.",
    "أرفق بهذه الرسالة نسخة من الشهادة الطبية لابنتي، ونسخة من آخر إشعار بمساعدة السكن، وصور الشقة التي "
    "التقطتها أثناء الزيارة. إذا احتجتم إلى وثائق أخرى، يرجى إخباري وسأرسلها في أقرب وقت ممكن.",
    "أشكركم على تأكيد استلام هذه الرسالة والرد عليّ كتابيًا في الأجل المحدد. وتفضلوا بقبول فائق الاحترام.",
]


def paragraphs(texts: list[str]) -> str:
    return "\n".join(f"<p>{escape(text)}</p>" for text in texts)


def word_count(html: str) -> int:
    return len(re.sub(r"<[^>]+>", " ", html).split())


def letter_html() -> str:
    return f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Refus de proposition DR-2026-0042</title></head><body>
<article class="letter" lang="fr">
  <div class="sender"><p>Mme Samira Benali</p><p>17 rue de l'Alma, appartement 34</p><p>59100 Roubaix</p></div>
  <div class="recipient"><p>Bailleur social</p><p>Service relogement</p><p>2 place de la Gare, 59000 Lille</p></div>
  <p class="date">Roubaix, le 3 mars 2026</p>
  <p class="reference">Référence : DR-2026-0042</p>
  <p class="subject">Objet : refus motivé de la proposition de logement du 12 février 2026</p>
  {paragraphs(FRENCH)}
  <div class="signature"><p>Samira Benali</p><div class="signature-space"></div></div>
  <section class="receipt-box"><h2>Accusé de réception</h2><dl>
    <dt>Référence</dt><dd>DR-2026-0042</dd><dt>Envoyée le</dt><dd>3 mars 2026 à 10 h 42</dd>
    <dt>Réponse attendue avant le</dt><dd>2 avril 2026</dd></dl></section>
</article>
<article class="letter-copy" dir="rtl" lang="ar">
  <p class="copy-note">ترجمة للعلم. النسخة الفرنسية هي المرجع.</p>
  <p class="subject">الموضوع: رفض مُعلَّل لعرض السكن بتاريخ 12 فبراير 2026</p>
  {paragraphs(ARABIC)}
  <div class="signature"><p>سميرة بن علي</p></div>
</article>
</body></html>"""


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    html = letter_html()
    sheets = [letter_stylesheet()]
    started = time.perf_counter()
    data = html_to_pdf(html, stylesheets=sheets)
    cold = time.perf_counter() - started
    pages = len(PdfReader(io.BytesIO(data)).pages)
    french, arabic = html.split('class="letter-copy"')

    timings = []
    for _ in range(args.runs):
        started = time.perf_counter()
        html_to_pdf(html, stylesheets=sheets)
        timings.append(time.perf_counter() - started)

    print(f"letter: {word_count(french)} words in French, {word_count(arabic)} in Arabic, {pages} pages, "
          f"{len(data) / 1024:.0f} KiB; cold first render {cold:.3f} s")
    print(f"{args.runs} warm renders: p50 {statistics.median(timings):.3f} s  p95 {percentile(timings, 95):.3f} s  "
          f"max {max(timings):.3f} s  (target p95 ≤ 1 s)")


if __name__ == "__main__":
    main()
