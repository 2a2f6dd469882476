# plot.gp - items/s per configuration, one panel per capacity, from the
# plot.dat that `bench` writes. Run: gnuplot -c bench/plot.gp build/bench
dir = ARG1
machine = system("cat " . dir . "/machine.txt")
blocks = int(system("grep -c '^config' " . dir . "/plot.dat"))
# Queues per block: the bulk and event-loop cells run only at capacities
# of at least their batch.
nqueues = system("awk '/^# capacity/ {print $4}' " . dir . "/plot.dat")
caps = system("awk '/^# capacity/ {sub(\",\", \"\", $3); print $3}' " . dir . "/plot.dat")

set terminal pngcairo noenhanced size 1200, 420 * blocks font "sans,10"
set output dir . "/items-per-second.png"
set multiplot layout blocks, 1 title "Items per second by queue and configuration (median of runs; log scale)\n" . machine
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set yrange [0.001:*]
set ylabel "million items/s"
set grid ytics
set key outside right top
set xtics nomirror
do for [b = 0:blocks - 1] {
	set title "capacity " . word(caps, b + 1)
	plot for [c = 2:1 + int(word(nqueues, b + 1))] dir . "/plot.dat" index b using c:xtic(1) title columnheader(c)
}
unset multiplot
