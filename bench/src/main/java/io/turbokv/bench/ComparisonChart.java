package io.turbokv.bench;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.Locale;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.data.category.DefaultCategoryDataset;

/** Draws the comparison as a horizontal bar chart (JFreeChart, headless): one bar per store and row, log scale. */
final class ComparisonChart {
    private ComparisonChart() {}

    static void write(ResultTable table, Path png, String title) throws IOException {
        System.setProperty("java.awt.headless", "true");
        DefaultCategoryDataset dataset = new DefaultCategoryDataset();
        int categories = 0;
        for (ResultTable.Row row : table.rows()) {
            for (String store : Stores.NAMES) {
                ResultTable.Cell cell = row.cells().get(store);
                if (cell != null && !Double.isNaN(cell.opsPerSecond)) {
                    dataset.addValue(cell.opsPerSecond, ResultTable.label(store),
                            row.label() + " (" + row.unit() + ")");
                }
            }
            categories++;
        }
        JFreeChart chart = ChartFactory.createBarChart(title, null, "operations per second (log scale)", dataset,
                PlotOrientation.HORIZONTAL, true, false, false);
        CategoryPlot plot = chart.getCategoryPlot();
        LogAxis axis = new LogAxis("operations per second (log scale)");
        axis.setSmallestValue(1);
        axis.setTickUnit(new NumberTickUnit(1.0)); // one tick per decade (LogAxis ticks are in log space)
        axis.setNumberFormatOverride(new DecimalFormat("#,##0", DecimalFormatSymbols.getInstance(Locale.ROOT)));
        plot.setRangeAxis(axis);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.GRAY);
        BarRenderer renderer = (BarRenderer) plot.getRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setSeriesPaint(0, new Color(0xD9, 0x48, 0x1C));
        renderer.setSeriesPaint(1, new Color(0x3B, 0x6E, 0xA5));
        renderer.setSeriesPaint(2, new Color(0x5A, 0xA0, 0x4B));
        renderer.setSeriesPaint(3, new Color(0x8E, 0x5B, 0xA8));
        renderer.setItemMargin(0.05);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, 1400, Math.max(400, 120 + categories * 42));
    }
}
